/**
 * No poison, no forever: names MongoDB cannot take as keys are stored escaped, a write the
 * database refuses for good is dead-lettered at once (not spooled and replayed forever), a
 * pipeline failure after the claim is retried — by WeChat's retry or by the spool — up to three
 * attempts and then dead-lettered with one log line, and the operator can replay a dead letter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayDeadLetters } from '../../src/interactions/dead-letter-replay.js';
import { spoolDirOf } from '../../src/interactions/inbound-spool.js';
import { interactionIdOf } from '../../src/interactions/interaction-store.js';
import { useTestDb } from '../support/db.js';
import { startHarness, TEST_ACCOUNT, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();
let app: Harness;
/** Pipeline runs per message text, and how many of the first runs throw. */
const runs = new Map<string, number>();
const FAILING_RUNS = new Map([
  ['第一次会出错', 1],
  ['重试时会好', 1],
  ['每次都出错', Number.POSITIVE_INFINITY],
]);

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    // A pipeline bug that hits some messages (a dependency throwing, say).
    wrapRun: (run) => async (ctx) => {
      const text = ctx.message.kind === 'text' ? ctx.message.content : '';
      const count = (runs.get(text) ?? 0) + 1;
      runs.set(text, count);
      if (count <= (FAILING_RUNS.get(text) ?? 0)) {
        throw new Error(`pipeline bug on run ${count}`);
      }
      await run(ctx);
    },
  });
});
afterAll(async () => {
  await app?.close();
});

const interactions = () => app.connection.collection('interactions');
const deadLetters = () => app.connection.collection('dead_letters');
const givenUpLines = (openId: string) => app.logs.filter((line) => line.includes('given up on') && line.includes(openId));
const textFields = (from: string, content: string, createTime = Math.floor(Date.now() / 1000)) => ({
  ToUserName: TEST_ACCOUNT,
  FromUserName: from,
  CreateTime: createTime,
  MsgType: 'text',
  Content: content,
  MsgId: `${Date.now()}${Math.floor(Math.random() * 1000)}`,
});

describe('names a database cannot store as keys', () => {
  it('answers a message with an element named a.b and stores that name escaped', async () => {
    const result = await app.fan('oDottedName').post({ ...textFields('oDottedName', '你好'), 'a.b': 'x', 'c.d': 'y' });
    expect(result.reply?.['MsgType']).toBe('text');
    const stored = await interactions().findOne({ openId: 'oDottedName' });
    expect(stored?.['status']).toBe('done');
    expect(stored?.['payload']).toMatchObject({ Content: '你好', 'a%2Eb': 'x', 'c%2Ed': 'y' });
  });
});

describe('a write the database refuses for good', () => {
  it('dead-letters the message at once with one log line, and replays it when the operator says so', async () => {
    // A rule of the database's own that this message breaks: one message per fan and second.
    await interactions().createIndex({ openId: 1, sentAt: 1 }, { unique: true, name: 'one_per_second_test' });
    const createTime = Math.floor(Date.now() / 1000);
    const fan = app.fan('oRefusedTwin');
    expect((await fan.post(textFields('oRefusedTwin', '第一条', createTime))).reply?.['MsgType']).toBe('text');

    const refused = await fan.post(textFields('oRefusedTwin', '门店在哪', createTime));

    expect(refused.status).toBe(200);
    expect(refused.replyXml).toBe('success');
    const [letter] = await deadLetters().find({ openId: 'oRefusedTwin' }).toArray();
    expect(letter).toMatchObject({ reason: 'refused', attempts: 1, message: { content: '门店在哪' } });
    expect(String(letter?.['error'])).toMatch(/duplicate key/);
    expect(givenUpLines('oRefusedTwin')).toHaveLength(1);
    expect(await interactions().countDocuments({ openId: 'oRefusedTwin' })).toBe(1);

    // The operator removes the cause and replays the letter: the fan gets the answer late.
    await interactions().dropIndex('one_per_second_test');
    const { queued } = await replayDeadLetters(app.connection, spoolDirOf(app.config.dataDir, app.connection.name), [String(letter?._id)]);
    expect(queued).toHaveLength(1);
    const delivered = await waitFor(
      () => app.fake.customMessagesFor('oRefusedTwin'),
      (messages) => messages.length === 1,
      10_000,
    );
    expect(JSON.stringify(delivered[0])).toContain('text');
    expect(await deadLetters().countDocuments({ openId: 'oRefusedTwin' })).toBe(0);
    await waitFor(
      () => interactions().countDocuments({ openId: 'oRefusedTwin', status: 'done' }),
      (count) => count === 2,
    );
  }, 20_000);
});

describe('a pipeline that throws after the claim', () => {
  it('tries the message again and delivers its reply by customer-service message', async () => {
    const first = await app.fan('oFailsOnce').sendText('第一次会出错');
    expect(first.replyXml).toBe('success');

    const delivered = await waitFor(
      () => app.fake.customMessagesFor('oFailsOnce'),
      (messages) => messages.length > 0,
      10_000,
    );
    expect(delivered).toHaveLength(1);
    const stored = await waitFor(
      () => interactions().findOne({ openId: 'oFailsOnce' }),
      (doc) => doc?.['status'] === 'done',
    );
    expect(stored).toMatchObject({ attempts: 2, replyMode: 'deferred' });
  }, 15_000);

  it("processes WeChat's retry of a failed message instead of answering it as a duplicate", async () => {
    const fan = app.fan('oRetriedAfterFailure');
    const fields = textFields('oRetriedAfterFailure', '重试时会好');
    expect((await fan.post(fields)).replyXml).toBe('success');

    const retry = await fan.post(fields);

    // The retry runs the pipeline again (unless the spool's replay got there first: then the
    // reply went by customer-service message). Either way the fan gets exactly one answer.
    const passive = retry.reply?.['MsgType'] === 'text' ? 1 : 0;
    await waitFor(
      () => interactions().findOne({ openId: 'oRetriedAfterFailure' }),
      (doc) => doc?.['status'] === 'done',
      10_000,
    );
    expect(passive + app.fake.customMessagesFor('oRetriedAfterFailure').length).toBe(1);
    expect(runs.get('重试时会好')).toBe(2);
  }, 15_000);

  it('gives up on a message whose three attempts each died with their instance, instead of crashing a fourth', async () => {
    const fields = textFields('oCrashesInstances', '每次都让实例崩溃');
    const dedupeKey = `msg:${fields.MsgId}`;
    // As three instances left it: claimed, then the process died before it could finish.
    const now = new Date();
    await interactions().insertOne({
      _id: interactionIdOf(dedupeKey),
      dedupeKey,
      openId: 'oCrashesInstances',
      kind: 'text',
      msgType: 'text',
      sentAt: now,
      receivedAt: now,
      payload: {},
      status: 'processing',
      leaseUntil: new Date(now.getTime() - 1_000),
      attempts: 3,
    });

    const retry = await app.fan('oCrashesInstances').post(fields);

    expect(retry.replyXml).toBe('success');
    expect(runs.get('每次都让实例崩溃')).toBeUndefined();
    expect(await deadLetters().findOne({ openId: 'oCrashesInstances' })).toMatchObject({ reason: 'failed', attempts: 3 });
    expect(givenUpLines('oCrashesInstances')).toHaveLength(1);
    expect(await interactions().findOne({ _id: interactionIdOf(dedupeKey) })).toMatchObject({ status: 'failed' });
  });

  it('gives up after three attempts: one dead letter, one log line, and no fourth attempt', async () => {
    await app.fan('oAlwaysFails').sendText('每次都出错');

    const [letter] = await waitFor(
      () => deadLetters().find({ openId: 'oAlwaysFails' }).toArray(),
      (letters) => letters.length === 1,
      15_000,
    );
    expect(letter).toMatchObject({ reason: 'failed', attempts: 3 });
    expect(String(letter?.['error'])).toContain('pipeline bug on run 3');
    expect(givenUpLines('oAlwaysFails')).toHaveLength(1);

    // Later replay rounds (and a late WeChat retry) find nothing left to try.
    await app.fanhook.webhook.replaySpool();
    await app.fanhook.webhook.replaySpool();
    expect(runs.get('每次都出错')).toBe(3);
    expect(await deadLetters().countDocuments({ openId: 'oAlwaysFails' })).toBe(1);
    expect(await interactions().findOne({ openId: 'oAlwaysFails' })).toMatchObject({ status: 'failed', attempts: 3 });
  }, 20_000);
});

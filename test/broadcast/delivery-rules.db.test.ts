import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastBatchModel } from '../../src/broadcast/broadcast-batch-model.js';
import type { BroadcastContent } from '../../src/broadcast/broadcast-content.js';
import { getBroadcastModel, nextBroadcastNumber } from '../../src/broadcast/broadcast-model.js';
import { planBroadcast } from '../../src/broadcast/plan-broadcast.js';
import { runBroadcast } from '../../src/broadcast/run-broadcast.js';
import { monthKeyIn } from '../../src/broadcast/zoned-time.js';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { batchesOf, fanDoc, massCountsByFan } from './broadcast-support.js';

const db = useTestDb();
let app: Harness;
const now = new Date();
const month = monthKeyIn(now, 'Asia/Shanghai');
const lastMonth = monthKeyIn(new Date(now.getTime() - 32 * 24 * 3_600_000), 'Asia/Shanghai');
const HOUR = 3_600_000;

/** Queues a broadcast as /confirm would and runs the send job body once. */
async function send(expr: string, content: BroadcastContent = { type: 'text', text: '本周上新' }, deps = app.fanhook.broadcast) {
  const number = await nextBroadcastNumber(app.connection);
  await getBroadcastModel(app.connection).create({
    number,
    expr,
    content,
    state: 'queued',
    createdBy: 'oAdmin',
    createdAt: now,
    confirmedBy: 'oAdmin',
    firingKey: `n:${number}`,
  });
  const outcome = await runBroadcast(deps, number);
  return { number, outcome };
}

const tagged = (tag: string, overrides: Partial<Fan> = {}) => ({ tags: [{ name: tag, source: 'manual' as const, at: now }], ...overrides });
const pushesOf = async (openIds: string[]) =>
  Object.fromEntries(
    (
      await getFanModel(app.connection)
        .find({ openId: { $in: openIds } })
        .lean()
    ).map((f) => [f.openId, f.massPushes.count]),
  );

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
  await getFanModel(app.connection).insertMany([
    fanDoc('oQuota3', now, tagged('quota', { massPushes: { month, count: 3 } })),
    fanDoc('oQuota0', now, tagged('quota')),
    fanDoc('oQuotaOld', now, tagged('quota', { massPushes: { month: lastMonth, count: 4 } })),
    fanDoc('oQuota4', now, tagged('quota', { massPushes: { month, count: 4 } })),
    fanDoc('oWin3', now, tagged('window', { csWindow: { messageAt: new Date(now.getTime() - HOUR), messageUsed: 3, triggerUsed: 0 } })),
    fanDoc('oWin4', now, tagged('window', { csWindow: { messageAt: new Date(now.getTime() - HOUR), messageUsed: 4, triggerUsed: 0 } })),
    fanDoc(
      'oWinOld',
      now,
      tagged('window', { csWindow: { messageAt: new Date(now.getTime() - 49 * HOUR), messageUsed: 0, triggerUsed: 0 } }),
    ),
    fanDoc('oLone', now, tagged('lone')),
    fanDoc('oLoneWin', now, tagged('lone', { csWindow: { messageAt: new Date(now.getTime() - HOUR), messageUsed: 0, triggerUsed: 0 } })),
    fanDoc('oRetry1', now, tagged('retry')),
    fanDoc('oRetry2', now, tagged('retry')),
    fanDoc('oBad1', now, tagged('bad')),
    fanDoc('oBad2', now, tagged('bad')),
    fanDoc('oRate1', now, tagged('rate')),
    fanDoc('oRate2', now, tagged('rate')),
  ]);
});
afterAll(async () => {
  await app?.close();
});

describe('the monthly quota (4 mass pushes per fan per calendar month)', () => {
  it('never lets a 5th push in a month reach a fan by mass send', async () => {
    await send('tag:quota');
    expect(await pushesOf(['oQuota3', 'oQuota0', 'oQuotaOld', 'oQuota4'])).toEqual({ oQuota3: 4, oQuota0: 1, oQuotaOld: 1, oQuota4: 4 });
    const second = await send('tag:quota');
    const plan = (await getBroadcastModel(app.connection).findOne({ number: second.number }).lean())?.plan;
    expect(plan).toMatchObject({ total: 4, mass: 2, quotaExcluded: 2 });
    const deliveries = massCountsByFan(app);
    expect(deliveries.get('oQuota3')).toBe(1);
    expect(deliveries.get('oQuota4')).toBeUndefined();
    expect(deliveries.get('oQuota0')).toBe(2);
    expect(await pushesOf(['oQuota0', 'oQuotaOld'])).toEqual({ oQuota0: 2, oQuotaOld: 2 });
  });
});

describe('the customer-service allowance', () => {
  it('uses the window only when a message is left over for the conversation, and counts it', async () => {
    await send('tag:window');
    expect(app.fake.customMessagesFor('oWin3')).toHaveLength(1);
    expect(app.fake.customMessagesFor('oWin4')).toHaveLength(0);
    expect(app.fake.customMessagesFor('oWinOld')).toHaveLength(0);
    const job = app.fake.massJobs().at(-1);
    expect([...(job?.openIds ?? [])].sort()).toEqual(['oWin4', 'oWinOld']);
    const fan = await getFanModel(app.connection).findOne({ openId: 'oWin3' }).lean();
    expect(fan?.csWindow.messageUsed).toBe(4);
    expect(fan?.massPushes.count).toBe(0);
  });
});

describe('lone fans', () => {
  it('reports a single mass-send fan unreachable instead of calling WeChat with one openid', async () => {
    const calls = app.fake.callsTo('/cgi-bin/message/mass/send').length;
    const { number } = await send('tag:lone');
    expect(app.fake.callsTo('/cgi-bin/message/mass/send')).toHaveLength(calls);
    expect(app.fake.customMessagesFor('oLoneWin')).toHaveLength(1);
    const broadcast = await getBroadcastModel(app.connection).findOne({ number }).lean();
    expect(broadcast?.plan).toMatchObject({ total: 2, customer: 1, mass: 0, unreachable: 1 });
    expect(broadcast?.state).toBe('finished');
  });
});

describe('idempotent batches', () => {
  it('treats 45065 as success: a batch retried after WeChat accepted it is not sent again', async () => {
    const { number } = await send('tag:retry');
    const batches = getBroadcastBatchModel(app.connection);
    const accepted = await batches.findOne({ broadcast: number, index: 1 }).lean();
    // As if the instance died after WeChat accepted the call but before the answer was stored.
    await batches.updateOne({ _id: accepted!._id }, { $set: { state: 'reserved' }, $unset: { msgId: '' } });
    await getBroadcastModel(app.connection).updateOne({ number }, { $set: { state: 'sending' } });
    await runBroadcast(app.fanhook.broadcast, number);
    const retried = app.fake.callsTo('/cgi-bin/message/mass/send').at(-1);
    expect(retried?.errcode).toBe(45065);
    const again = await batches.findOne({ broadcast: number, index: 1 }).lean();
    expect(again).toMatchObject({ state: 'accepted', msgId: accepted!.msgId });
    expect(massCountsByFan(app).get('oRetry1')).toBe(1);
    expect(await pushesOf(['oRetry1', 'oRetry2'])).toEqual({ oRetry1: 1, oRetry2: 1 });
  });

  it('gives the reserved pushes back when WeChat refuses the batch, and marks the broadcast failed', async () => {
    app.fake.failNext('/cgi-bin/message/mass/send', 40007, { errmsg: 'invalid media_id' });
    const { number, outcome } = await send('tag:bad', { type: 'image', mediaId: 'MEDIA_GONE' });
    expect(outcome).toMatchObject({ kind: 'abort' });
    expect(await pushesOf(['oBad1', 'oBad2'])).toEqual({ oBad1: 0, oBad2: 0 });
    const broadcast = await getBroadcastModel(app.connection).findOne({ number }).lean();
    expect(broadcast).toMatchObject({ state: 'failed', failure: '40007 invalid media_id' });
  });
});

describe('mass-send call limits', () => {
  it('pauses until the minute allows another call instead of exceeding it', async () => {
    const deps = { ...app.fanhook.broadcast, calls: { perDay: 100, perMinute: 1 } };
    const { number, outcome } = await send('tag:rate', undefined, deps);
    expect(outcome).toMatchObject({ kind: 'wait', reason: 'minute_limit' });
    expect(outcome.kind === 'wait' && outcome.retryAt.getTime() > Date.now() + 30_000).toBe(true);
    const [batch] = (await batchesOf(app.connection, number)).filter((b) => b.kind === 'mass');
    expect(batch?.state).toBe('reserved');
    const daily = await send('tag:rate', undefined, { ...deps, calls: { perDay: 1, perMinute: 60 } });
    expect(daily.outcome).toMatchObject({ kind: 'wait', reason: 'daily_limit' });
  });
});

describe('planning with a template', () => {
  it('renders every field a template may show for each fan, and plans the same batches each time', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-tmpl-'));
    await writeFile(
      path.join(dir, 'broadcasts.yaml'),
      'templates:\n  card:\n    text: "{{fan.region}}|{{fan.source}}|{{fan.attributes.size}}|{{#fan.tags}}{{.}};{{/fan.tags}}"\n',
    );
    const region = (name: string) => ({ latitude: 30, longitude: 120, region: name, at: now });
    await getFanModel(app.connection).insertMany([
      fanDoc('oCard1', now, tagged('card', { location: region('浙江'), source: 'store_hz', attributes: { size: 'L' } })),
      fanDoc('oCard2', now, tagged('card', { location: region('浙江'), source: 'store_hz', attributes: { size: 'L' } })),
      fanDoc('oCard3', now, tagged('card', { location: region('上海'), source: 'poster', attributes: { size: 'M' } })),
      fanDoc('oCard4', now, tagged('card', { location: region('上海'), source: 'poster', attributes: { size: 'M' } })),
    ]);
    const deps = { ...app.fanhook.broadcast, templatesDir: dir };
    const plan = () => planBroadcast(deps, { expr: 'tag:card', content: { type: 'template', name: 'card' } });
    const first = await plan();
    const texts = first.plan.batches.map((batch) => ({ openIds: batch.openIds, text: first.bodies.get(batch.variant) }));
    expect(texts).toEqual(
      expect.arrayContaining([
        { openIds: ['oCard1', 'oCard2'], text: { msgtype: 'text', text: { content: '浙江|store_hz|L|card;' } } },
        { openIds: ['oCard3', 'oCard4'], text: { msgtype: 'text', text: { content: '上海|poster|M|card;' } } },
      ]),
    );
    expect((await plan()).plan).toEqual(first.plan);
    await rm(dir, { recursive: true, force: true });
  });
});

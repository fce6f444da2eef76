/**
 * A 25,000-fan segment: three mass batches of at most 10,000, an instance that dies right after
 * WeChat accepted the second batch, and two fresh instances sharing the jobs that resume it —
 * nothing is sent twice.
 * Full size on every backend; FANHOOK_SCALE_FANS sets another size for a quick local run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { askAs, batchesOf, fanDoc, massCountsByFan, seedFans, waitForBroadcast } from './broadcast-support.js';

const db = useTestDb();
const ADMIN = 'oAdminScale';
const FANS = Number(process.env.FANHOOK_SCALE_FANS) || 25_000;
const BATCH = Math.min(10_000, Math.ceil(FANS * 0.4));
const env = { ADMIN_OPENIDS: ADMIN, FANHOOK_BROADCAST_LOCK_MS: '2000', FANHOOK_MASS_BATCH_SIZE: String(BATCH) };
let fake: FakeWechatApi;
const running: Harness[] = [];
const timings: Record<string, number> = {};

/** A fetch that forwards to the fake until WeChat accepted the 2nd batch, then never answers again: the instance is dead. */
function dyingFetch(): { fetch: typeof fetch; dead: () => boolean } {
  let massCalls = 0;
  let dead = false;
  const never = new Promise<Response>(() => undefined);
  const wrapped: typeof fetch = async (input, init) => {
    if (dead) {
      return never;
    }
    const response = await fetch(input, init);
    if (String(input instanceof Request ? input.url : input).includes('/cgi-bin/message/mass/send') && (massCalls += 1) === 2) {
      await response.text();
      dead = true;
      return never;
    }
    return response;
  };
  return { fetch: wrapped, dead: () => dead };
}

beforeAll(async () => {
  fake = await startFakeWechatApi();
  const started = Date.now();
  await db.connection.collection('fans').insertOne(fanDoc(ADMIN, new Date()));
  await seedFans(db.connection, 'oBig', FANS, new Date(), () => ({
    tags: [{ name: 'big', source: 'rule', ruleId: 'r1', at: new Date() }],
  }));
  timings.seedMs = Date.now() - started;
}, 120_000);
afterAll(async () => {
  for (const app of running) {
    await app.close();
  }
  await fake?.close();
  console.info('scale timings (ms):', timings);
});

describe(`a ${FANS}-fan broadcast in batches of ${BATCH} across a crash`, () => {
  it('counts the segment quickly', async () => {
    let started = Date.now();
    const app = await startHarness({ dbUri: db.uri, fake, env });
    timings.startMs = Date.now() - started;
    running.push(app);
    await app.fan(ADMIN).sendText('hi');
    started = Date.now();
    const reply = await askAs(app, ADMIN, '/segment tag:big', 600_000);
    timings.segmentMs = Date.now() - started;
    expect(reply).toContain(`符合条件：${FANS} 人`);
    expect(reply).toContain(`群发：${FANS} 人，需 3 次群发调用`);
  }, 600_000);

  it('sends two full batches and the rest, resumes after the instance dies, and sends no batch twice', async () => {
    const dying = dyingFetch();
    const first = await startHarness({ dbUri: db.uri, fake, env, startJobs: true, fetch: dying.fetch });
    let started = Date.now();
    const draft = await askAs(first, ADMIN, '/broadcast tag:big | 双十二预告：会员专享 7 折', 600_000);
    timings.draftMs = Date.now() - started;
    expect(draft).toContain('需 3 次群发调用');
    started = Date.now();
    expect(await askAs(first, ADMIN, '/confirm 1')).toContain('#1 开始发送');
    await waitFor(
      () => dying.dead(),
      (dead) => dead,
      900_000,
    );
    timings.twoBatchesMs = Date.now() - started;
    expect(fake.massJobs()).toHaveLength(2);
    // The instance is gone: no more polling, its lock on the job stays until it expires.
    await first.close();

    started = Date.now();
    const second = await startHarness({ dbUri: db.uri, fake, env, startJobs: true });
    const third = await startHarness({ dbUri: db.uri, fake, env, startJobs: true });
    running.push(second, third);
    await waitForBroadcast(second.connection, 1, 'sent', 900_000);
    timings.resumeMs = Date.now() - started;

    const sends = fake.callsTo('/cgi-bin/message/mass/send');
    expect(sends.map((call) => call.errcode)).toEqual([0, 0, 45065, 0]);
    expect(fake.massJobs().map((job) => job.openIds.length)).toEqual([BATCH, BATCH, FANS - 2 * BATCH]);
    const deliveries = massCountsByFan(second);
    expect(deliveries.size).toBe(FANS);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(await getFanModel(second.connection).countDocuments({ 'massPushes.count': { $ne: 1 }, openId: { $ne: ADMIN } })).toBe(0);
    const batches = await batchesOf(second.connection, 1);
    expect(batches.map((b) => b.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(new Set(batches.map((b) => b.msgId)).size).toBe(3);
  }, 2_000_000);
});

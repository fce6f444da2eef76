/**
 * WeChat's API down for a sustained period during a broadcast (issue 12 item 10): first
 * answering -1 (system busy), then HTTP 503 from its gateway, then taking longer than the
 * client waits (while still accepting the batch), for as long as it takes several retries.
 * "A minute" is compressed: FANHOOK_WECHAT_RETRY_PAUSE_MS sets the pause between tries and
 * FANHOOK_WECHAT_TIMEOUT_MS how long a call may take.
 * The broadcast backs off instead of hammering the API, sends no batch twice, and resumes and
 * finishes by itself (the Agenda job) once WeChat answers again. Short faults and a single
 * timeout are covered in test/hardening/wechat-api-faults.db.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastModel, nextBroadcastNumber } from '../../src/broadcast/broadcast-model.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { scheduleSendBroadcast } from '../../src/jobs/send-broadcast.js';
import { batchesOf, fanDoc, waitForBroadcast } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
const MASS_SEND = '/cgi-bin/message/mass/send';
const PAUSE_MS = 300;
const TIMEOUT_MS = 600;
const FANS = 9;

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    startJobs: true,
    env: { FANHOOK_WECHAT_RETRY_PAUSE_MS: String(PAUSE_MS), FANHOOK_WECHAT_TIMEOUT_MS: String(TIMEOUT_MS), FANHOOK_MASS_BATCH_SIZE: '3' },
  });
  const now = new Date();
  await getFanModel(app.connection).insertMany(
    Array.from({ length: FANS }, (_, i) => fanDoc(`oOutage${i}`, now, { tags: [{ name: 'outage', source: 'manual', at: now }] })),
  );
});
afterAll(async () => {
  await app?.close();
});

describe('a broadcast through a sustained WeChat API outage', () => {
  it('backs off while WeChat answers -1, then 503, then too late, sends each batch once, and finishes by itself when WeChat is back', async () => {
    const number = await nextBroadcastNumber(app.connection);
    await getBroadcastModel(app.connection).create({
      number,
      expr: 'tag:outage',
      content: { type: 'text', text: '双十二预热：关注有礼' },
      state: 'queued',
      createdBy: 'oAdmin',
      createdAt: new Date(),
      confirmedBy: 'oAdmin',
      firingKey: `n:${number}`,
    });
    // Busy for 2.5 s, then the gateway fails until 5 s, then answers come too late until 7 s:
    // WeChat still takes a batch sent then, but the client has given up waiting.
    app.fake.failNext(MASS_SEND, -1, { forMs: 2_500 });
    app.fake.failNext(MASS_SEND, -1, { forMs: 5_000, httpStatus: 503 });
    app.fake.failNext(MASS_SEND, 0, { forMs: 7_000, delayMs: TIMEOUT_MS + 400 });
    const failingUntil = Date.now() + 5_000;
    await scheduleSendBroadcast(app.fanhook.agenda, number);

    await waitForBroadcast(app.connection, number, 'sent', 45_000);

    const calls = app.fake.callsTo(MASS_SEND);
    const failed = calls.filter((call) => call.errcode !== 0 && call.errcode !== 45065);
    // It kept trying through the outage, each failed run of a batch followed by a pause, not a loop.
    expect(failed.some((call) => typeof call.response === 'string' && call.response.includes('503'))).toBe(true);
    expect(failed.some((call) => (call.response as { errcode?: number }).errcode === -1)).toBe(true);
    const pauses = app.logs.filter((line) => line.includes('"msg":"broadcast paused"'));
    expect(pauses.some((line) => line.includes('"reason":"network"'))).toBe(true);
    expect(pauses.length).toBeGreaterThanOrEqual(3);
    // The client's own retries (3 tries a run) are the only calls between two pauses.
    expect(calls.length).toBeLessThanOrEqual((pauses.length + 3) * 3);
    expect(calls.every((call) => call.errcode !== 0 || new Date(call.at).getTime() >= failingUntil - 50)).toBe(true);

    // Nothing sent twice: one accepted call and one mass job per batch, every fan reached once.
    const jobs = app.fake.massJobs();
    expect(jobs).toHaveLength(3);
    // A batch repeated after a timeout carries its clientmsgid: WeChat answers 45065, no new job.
    const accepted = calls.filter((call) => call.errcode === 0).map((call) => (call.body as { clientmsgid?: string }).clientmsgid);
    expect(accepted).toHaveLength(3);
    expect(new Set(accepted)).toEqual(new Set(jobs.map((job) => job.clientMsgId)));
    const received = new Map<string, number>();
    for (const openId of jobs.flatMap((job) => job.deliveredTo)) {
      received.set(openId, (received.get(openId) ?? 0) + 1);
    }
    expect(received.size).toBe(FANS);
    expect([...received.values()].every((times) => times === 1)).toBe(true);
    expect((await batchesOf(app.connection, number)).map((batch) => batch.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await getFanModel(app.connection).countDocuments({ 'massPushes.count': 1 })).toBe(FANS);
  }, 60_000);
});

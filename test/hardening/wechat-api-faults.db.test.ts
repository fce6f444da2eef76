/**
 * WeChat's API failing under a broadcast: system busy (-1), a gateway error (HTTP 502) and a
 * call that times out after WeChat accepted it. Each batch is retried with backoff under the
 * same clientmsgid, so every fan gets the message exactly once and the broadcast completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastModel, nextBroadcastNumber } from '../../src/broadcast/broadcast-model.js';
import { runBroadcast } from '../../src/broadcast/run-broadcast.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { fanDoc, massCountsByFan } from '../broadcast/broadcast-support.js';

const db = useTestDb();
let app: Harness;
const now = new Date();
const MASS_SEND = '/cgi-bin/message/mass/send';

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
  const fans = ['busy', 'gateway', 'slow'].flatMap((tag) =>
    [1, 2, 3].map((i) => fanDoc(`o_${tag}_${i}`, now, { tags: [{ name: tag, source: 'manual', at: now }] })),
  );
  await getFanModel(app.connection).insertMany(fans);
});
afterAll(async () => {
  await app?.close();
});

/** Queues a broadcast to `tag:<tag>` as /confirm would, and runs its send job once. */
async function broadcastTo(tag: string): Promise<number> {
  const number = await nextBroadcastNumber(app.connection);
  await getBroadcastModel(app.connection).create({
    number,
    expr: `tag:${tag}`,
    content: { type: 'text', text: '周末上新' },
    state: 'queued',
    createdBy: 'oAdmin',
    createdAt: now,
    confirmedBy: 'oAdmin',
    firingKey: `n:${number}`,
  });
  await runBroadcast(app.fanhook.broadcast, number);
  return number;
}

const receivedOnce = (tag: string): boolean[] => [1, 2, 3].map((i) => massCountsByFan(app).get(`o_${tag}_${i}`) === 1);
const stateOf = async (number: number): Promise<string | undefined> =>
  (await getBroadcastModel(app.connection).findOne({ number }).lean())?.state;

describe('a broadcast while the WeChat API fails', () => {
  it('retries a batch refused with -1 (system busy) and delivers it once', async () => {
    const before = app.fake.callsTo(MASS_SEND).length;
    app.fake.failNext(MASS_SEND, -1, { times: 2 });
    const number = await broadcastTo('busy');
    const calls = app.fake.callsTo(MASS_SEND).slice(before);
    expect(calls.map((c) => c.errcode)).toEqual([-1, -1, 0]);
    expect(receivedOnce('busy')).toEqual([true, true, true]);
    expect(await stateOf(number)).not.toBe('failed');
  });

  it('retries after an HTTP 502 from the gateway and delivers once', async () => {
    const before = app.fake.callsTo(MASS_SEND).length;
    app.fake.failNext(MASS_SEND, -1, { times: 1, httpStatus: 502 });
    await broadcastTo('gateway');
    expect(app.fake.callsTo(MASS_SEND).length - before).toBe(2);
    expect(receivedOnce('gateway')).toEqual([true, true, true]);
  });

  it('sends nothing twice when a call times out: both deliveries carry one clientmsgid and WeChat answers the second 45065', async () => {
    const before = app.fake.callsTo(MASS_SEND).length;
    // Answered after the client's 10 s timeout, but accepted (and delivered) by WeChat.
    app.fake.failNext(MASS_SEND, 0, { times: 1, delayMs: 10_500 });
    const number = await broadcastTo('slow');
    // The client gave up at 10 s and retried; the first call still lands afterwards.
    const calls = await waitFor(
      () => app.fake.callsTo(MASS_SEND).slice(before),
      (c) => c.length === 2,
      5_000,
    );
    expect(calls.map((c) => c.errcode).sort()).toEqual([0, 45065]);
    expect(new Set(calls.map((c) => (c.body as { clientmsgid?: string }).clientmsgid)).size).toBe(1);
    expect(receivedOnce('slow')).toEqual([true, true, true]);
    expect(await stateOf(number)).not.toBe('failed');
  }, 40_000);
});

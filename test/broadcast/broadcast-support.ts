/**
 * Helpers for broadcast tests: seeding many fans straight into the database, playing WeChat's
 * MASSSENDJOBFINISH callbacks, and waiting for a broadcast to reach a state.
 */
import type { Connection } from 'mongoose';
import { getBroadcastBatchModel } from '../../src/broadcast/broadcast-batch-model.js';
import { getBroadcastModel, type Broadcast, type BroadcastState } from '../../src/broadcast/broadcast-model.js';
import type { Fan } from '../../src/fans/fan-model.js';
import type { FakeMassJob } from '../../src/devtools/fake-wechat-api.js';
import type { SimulatedFan } from '../../src/devtools/simulated-fan.js';
import type { Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const DAY = 24 * 3_600_000;

/** A subscribed fan document as the profile module would have left it. */
export function fanDoc(openId: string, now: Date, overrides: Partial<Fan> = {}): Partial<Fan> {
  return {
    openId,
    subscribed: true,
    subscribedAt: new Date(now.getTime() - 40 * DAY),
    firstSeenAt: new Date(now.getTime() - 40 * DAY),
    lastSeenAt: new Date(now.getTime() - 10 * DAY),
    refollowCount: 0,
    subscriptionHistory: [],
    csWindow: { messageUsed: 0, triggerUsed: 0 },
    activity: 'active',
    counts: {},
    menuClicks: {},
    menuPaths: {},
    linksViewed: [],
    interests: {},
    attributes: {},
    tags: [],
    unansweredStreak: 0,
    massPushes: { count: 0 },
    ...overrides,
  };
}

/** Inserts `count` fans named `${prefix}${i}`, 5,000 per insert so the documents in flight stay few. */
export async function seedFans(
  connection: Connection,
  prefix: string,
  count: number,
  now: Date,
  overrides: (i: number) => Partial<Fan> = () => ({}),
): Promise<string[]> {
  const ids: string[] = [];
  const collection = connection.collection('fans');
  for (let start = 0; start < count; start += 5_000) {
    const docs = [];
    for (let i = start; i < Math.min(count, start + 5_000); i += 1) {
      const openId = `${prefix}${String(i).padStart(6, '0')}`;
      ids.push(openId);
      docs.push(fanDoc(openId, now, overrides(i)));
    }
    await collection.insertMany(docs, { ordered: false });
  }
  return ids;
}

/** Sends WeChat's MASSSENDJOBFINISH for every mass job the fake accepted (as WeChat's helper account). */
export async function finishAllMassJobs(app: Harness): Promise<void> {
  await finishMassJobs(app, app.fake.massJobs());
}

/** Sends WeChat's MASSSENDJOBFINISH for `jobs` to the instance behind `target` (a harness or a process). */
export async function finishMassJobs(target: { fan(openId: string): SimulatedFan }, jobs: readonly FakeMassJob[]): Promise<void> {
  for (const job of jobs) {
    await target.fan('mphelper').event('MASSSENDJOBFINISH', {
      MsgID: job.msgId,
      Status: 'send success',
      TotalCount: job.openIds.length,
      FilterCount: job.deliveredTo.length,
      SentCount: job.deliveredTo.length,
      ErrorCount: 0,
    });
  }
}

/**
 * Waits until broadcast `number` is in `state`. 'sent' is also met by 'finished', the state that
 * follows it: a broadcast with nothing left to hear back about (a small audience all held out or
 * unreachable) finishes at once, and a poll can miss the moment it was 'sent'.
 */
export function waitForBroadcast(
  connection: Connection,
  number: number,
  state: BroadcastState,
  timeoutMs = 20_000,
): Promise<Broadcast | null> {
  return waitFor(
    () => getBroadcastModel(connection).findOne({ number }).lean<Broadcast>(),
    (b) => b?.state === state || (state === 'sent' && b?.state === 'finished'),
    timeoutMs,
  );
}

/** Batches of a broadcast, without their openid lists. */
export function batchesOf(connection: Connection, number: number) {
  return getBroadcastBatchModel(connection).find({ broadcast: number }, { openIds: 0, recipients: 0 }).sort({ index: 1 }).lean();
}

/** Mass messages the fake delivered to each openid. */
export function massCountsByFan(app: Harness): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of app.fake.massJobs()) {
    for (const openId of job.deliveredTo) {
      counts.set(openId, (counts.get(openId) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * What the account answered a text from `openId`: the passive reply, or — when the answer
 * took longer than WeChat's 5 seconds — the customer-service messages that followed it.
 */
export async function askAs(app: Harness, openId: string, text: string, timeoutMs = 60_000): Promise<string> {
  const before = app.fake.customMessagesFor(openId).length;
  const { reply } = await app.fan(openId).sendText(text);
  const passive = String(reply?.['Content'] ?? '');
  if (passive) {
    return passive;
  }
  const later = await waitFor(
    () => app.fake.customMessagesFor(openId).slice(before),
    (messages) => messages.length > 0,
    timeoutMs,
  );
  return later.map((m) => String((m as { text?: { content?: string } }).text?.content ?? '')).join('\n');
}

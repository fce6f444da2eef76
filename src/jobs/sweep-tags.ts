/**
 * Job: the periodic auto-tagging sweep for time-based rules (a fan who says nothing still
 * turns from `new` to `active` to `dormant`). One cursor over the fans that can have changed
 * since the last sweep (tagging/sweep-candidates.ts) — over every fan the first time and after
 * the rules changed; the fans that change are written while it streams, a bulkWrite per
 * WRITES_PER_BATCH.
 */
import { createHash } from 'node:crypto';
import type { Agenda } from 'agenda';
import type { AnyBulkWriteOperation, Connection, Types } from 'mongoose';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { planSweep, type SweepFan } from '../tagging/plan-sweep.js';
import type { RuleRegistry } from '../tagging/rule-registry.js';
import type { TagRule } from '../tagging/rules.js';
import { sweepCandidates } from '../tagging/sweep-candidates.js';
import { retryUnlessPermanent } from './agenda.js';

export const SWEEP_TAGS_JOB = 'fans.sweep-tags';

/** Updates per bulkWrite: one round trip per thousand changed fans, a bounded batch in memory. */
const WRITES_PER_BATCH = 1_000;
/**
 * bulkWrites in flight at once while the read goes on: the database writes one batch while the
 * next is read and planned. Each batch is its own fans, so their order does not matter.
 */
const WRITES_IN_FLIGHT = 2;

export interface SweepTagsDeps {
  connection: Connection;
  rules: RuleRegistry;
  clock: Clock;
  logger: Logger;
  batchSize?: number;
}

export interface SweepTagsResult {
  scanned: number;
  updated: number;
  ms: number;
}

const PROJECTION = {
  openId: 1,
  subscribed: 1,
  subscribedAt: 1,
  lastSeenAt: 1,
  tags: 1,
  attributes: 1,
  activity: 1,
  daily: 1,
  source: 1,
  location: 1,
  menuPaths: 1,
};

type ScannedFan = SweepFan & { _id: Types.ObjectId };

/** The last completed sweep: when it started, and a digest of the rules it ran. */
interface SweepMark {
  _id: string;
  startedAt: Date;
  rules: string;
}

const sweepMarks = (connection: Connection) => connection.collection<SweepMark>('sweep_marks');
const digestOf = (rules: readonly TagRule[]): string => createHash('sha256').update(JSON.stringify(rules)).digest('hex');

/**
 * Sweeps the fans not purged that can have changed; returns how many were scanned and changed.
 *
 * A write matches the fan only while its `lastSeenAt` is the one the plan was made from: a fan
 * who wrote in meanwhile had every rule evaluated on that message (auto-tag), and a tier
 * planned from the older read must not overwrite it. Tag changes apply to the tags as they are
 * when the write lands (tagChangeStages), so an admin's /tag meanwhile is kept too.
 */
export async function sweepTags(deps: SweepTagsDeps): Promise<SweepTagsResult> {
  const started = performance.now();
  const model = getFanModel(deps.connection);
  const now = deps.clock.now();
  const rules = deps.rules.sweepRules;
  const digest = digestOf(rules);
  const mark = await sweepMarks(deps.connection).findOne({ _id: SWEEP_TAGS_JOB });
  const filter =
    mark && mark.rules === digest && mark.startedAt <= now
      ? { purgedAt: { $exists: false }, $or: sweepCandidates(rules, mark.startedAt, now) }
      : { purgedAt: { $exists: false } };
  let scanned = 0;
  let updated = 0;
  let batch: AnyBulkWriteOperation<Fan>[] = [];
  const writing = new Set<Promise<void>>();
  let failure: unknown;
  const flush = (): void => {
    const ops = batch;
    batch = [];
    const write: Promise<void> = model.bulkWrite(ops, { ordered: false }).then(
      (result) => {
        updated += result.modifiedCount;
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    writing.add(write);
    void write.finally(() => writing.delete(write));
  };
  // In `_id` order: a fan the sweep itself updates is never read again further on (a scan in
  // storage order may meet a rewritten document twice).
  const cursor = model
    .find(filter, PROJECTION)
    .sort({ _id: 1 })
    .lean<ScannedFan[]>()
    .cursor({ batchSize: deps.batchSize ?? 1000 });
  try {
    for await (const fan of cursor as AsyncIterable<ScannedFan>) {
      scanned += 1;
      const update = planSweep(fan, rules, now);
      if (update) {
        batch.push({ updateOne: { filter: { _id: fan._id, lastSeenAt: fan.lastSeenAt }, update } } as AnyBulkWriteOperation<Fan>);
        if (batch.length >= WRITES_PER_BATCH) {
          flush();
          while (writing.size >= WRITES_IN_FLIGHT) {
            await Promise.race(writing);
          }
          if (failure !== undefined) {
            break;
          }
        }
      }
    }
    if (batch.length > 0 && failure === undefined) {
      flush();
    }
  } finally {
    // A failed read still lets the writes already sent land before it is reported.
    await Promise.all(writing);
  }
  if (failure !== undefined) {
    // The mark stays where it was: the next sweep looks at every fan this one may have missed.
    throw failure;
  }
  await recordSweepMark(deps.connection, rules, now);
  return { scanned, updated, ms: Math.round(performance.now() - started) };
}

/**
 * Records a completed sweep of `rules` that started at `startedAt`: the next sweep of the same
 * rules reads only the fans that can have changed since (the benchmark also sets one, to
 * measure the hourly run without first sweeping every fan).
 */
export async function recordSweepMark(connection: Connection, rules: readonly TagRule[], startedAt: Date): Promise<void> {
  await sweepMarks(connection).updateOne({ _id: SWEEP_TAGS_JOB }, { $set: { startedAt, rules: digestOf(rules) } }, { upsert: true });
}

export function defineSweepTags(agenda: Agenda, deps: SweepTagsDeps): void {
  agenda.define(
    SWEEP_TAGS_JOB,
    async () => {
      const result = await sweepTags(deps);
      deps.logger.info(result, 'tag sweep done');
    },
    { concurrency: 1, backoff: retryUnlessPermanent, lockLifetime: 60 * 60_000 },
  );
}

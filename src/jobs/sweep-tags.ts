/**
 * Job: the periodic auto-tagging sweep over every fan for time-based rules (a fan who
 * says nothing still turns from `new` to `active` to `dormant`). One cursor over the fans,
 * then the fans that change, re-read and written 1,000 at a time by exact `_id`.
 */
import type { Agenda } from 'agenda';
import type { AnyBulkWriteOperation, Connection, Types } from 'mongoose';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import { chunksOf, IDS_PER_LOOKUP } from '../db/update-chunks.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { planSweep, type SweepFan } from '../tagging/plan-sweep.js';
import type { RuleRegistry } from '../tagging/rule-registry.js';
import { retryUnlessPermanent } from './agenda.js';

export const SWEEP_TAGS_JOB = 'fans.sweep-tags';

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
  tagsRev: 1,
  attributes: 1,
  activity: 1,
  daily: 1,
  linksViewed: 1,
  source: 1,
  location: 1,
  menuPaths: 1,
};

type ScannedFan = SweepFan & { _id: Types.ObjectId };

/**
 * Sweeps every fan not purged; returns how many were scanned and changed.
 *
 * Two phases, so memory stays small however many fans change (a new rule can change every
 * one of a million): the scan keeps only the `_id` of each fan that needs a change; then those
 * fans are read again 1,000 at a time by `_id $in` (an index lookup on MongoDB and on fanhook's
 * FerretDB build), planned again from what they are now — a message may have changed one since
 * the scan — and written. Writing only after the scan: on FerretDB a write while the cursor is
 * open waits on its SQLite read (flushing mid-cursor had not finished 100,000 fans after 20
 * minutes, FerretDB at full CPU). Before the two phases the scan kept every planned update:
 * +286 MB of heap when all of 100,000 fans changed (scripts/measure-sweep.ts), gigabytes at a
 * million.
 */
export async function sweepTags(deps: SweepTagsDeps): Promise<SweepTagsResult> {
  const started = performance.now();
  const model = getFanModel(deps.connection);
  const now = deps.clock.now();
  const rules = deps.rules.sweepRules;
  const toChange: Types.ObjectId[] = [];
  let scanned = 0;
  const cursor = model
    .find({ purgedAt: { $exists: false } }, PROJECTION)
    .lean<ScannedFan[]>()
    .cursor({ batchSize: deps.batchSize ?? 1000 });
  for await (const fan of cursor as AsyncIterable<ScannedFan>) {
    scanned += 1;
    if (planSweep(fan, rules, now).length > 0) {
      toChange.push(fan._id);
    }
  }
  let updated = 0;
  for (const ids of chunksOf(toChange, IDS_PER_LOOKUP)) {
    const fans = await model.find({ _id: { $in: ids }, purgedAt: { $exists: false } }, PROJECTION).lean<ScannedFan[]>();
    const ops = fans.flatMap((fan) =>
      planSweep(fan, rules, now).map((update) => ({ updateOne: { filter: { _id: fan._id }, update } }) as AnyBulkWriteOperation<Fan>),
    );
    // Ordered, chunk after chunk: one fan's $pull must land before its $push.
    updated += ops.length === 0 ? 0 : (await model.bulkWrite(ops, { ordered: true })).modifiedCount;
  }
  return { scanned, updated, ms: Math.round(performance.now() - started) };
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

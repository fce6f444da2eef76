/**
 * Command: counts a mass push against each fan's monthly quota (`fan.massPushes`, SPEC.md §7)
 * *before* the batch goes out, so two broadcasts running at once can never give one fan a
 * 5th push: only fans still under the limit are admitted. The batch key marks the counted
 * fans, which makes the reservation idempotent (a resumed batch counts nobody twice) and lets
 * a refused batch give the pushes back.
 *
 * Reservations and releases run one at a time across all instances under the `mass-quota`
 * lease, and inside it read the fans by `_id` (1,000 per query) and write them back by `_id`
 * alone. Why not conditional per-fan updates keyed by openid, atomic on MongoDB: FerretDB 1.24
 * does not apply concurrent updates of one document atomically, so only serializing keeps a
 * fan under the limit there; and it answers `_id` reads from its index (with fanhook's build,
 * see db/local-database.ts) while any other filter scans the collection. Batches are reserved
 * rarely, so the serialization costs little.
 */
import type { Connection, Types } from 'mongoose';
import { withLease } from '../db/lease.js';
import { chunksOf, IDS_PER_LOOKUP } from '../db/update-chunks.js';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import type { Clock } from '../lib/clock.js';

export interface MassQuotaProps {
  connection: Connection;
  clock: Clock;
  /** The planned fans of the batch: openid and fan document `_id`. */
  fans: readonly BatchFan[];
  /** The batch's clientmsgid. */
  batchKey: string;
  /** 'YYYY-MM' in the configured time zone. */
  month: string;
  now: Date;
  limit: number;
  minGapMs: number;
}

export interface BatchFan {
  openId: string;
  fanId: Types.ObjectId;
}

type QuotaState = Pick<Fan, 'openId' | 'subscribed' | 'massPushes'>;

const LEASE = { ttlMs: 10 * 60_000, waitMs: 15 * 60_000 };

/** Counts the push for every admissible fan; returns the openids admitted (in input order). */
export async function reserveMassQuota(props: MassQuotaProps): Promise<string[]> {
  const model = getFanModel(props.connection);
  return withLease('mass-quota', { connection: props.connection, clock: props.clock, ...LEASE }, async () => {
    const admitted: string[] = [];
    const writes: Parameters<typeof model.bulkWrite>[0] = [];
    for (const chunk of chunksOf(props.fans, IDS_PER_LOOKUP)) {
      const found = await model
        .find({ _id: { $in: chunk.map((fan) => fan.fanId) } }, { openId: 1, subscribed: 1, massPushes: 1 })
        .lean<Array<QuotaState & { _id: Types.ObjectId }>>();
      const byId = new Map(found.map((doc) => [String(doc._id), doc]));
      for (const fan of chunk) {
        const current = byId.get(String(fan.fanId));
        if (current?.openId !== fan.openId) {
          continue; // gone (purged after unfollowing) since the plan was made
        }
        const decision = decide(current, props);
        if (decision === 'refused') {
          continue;
        }
        admitted.push(fan.openId);
        if (decision !== 'counted already') {
          writes.push({ updateOne: { filter: { _id: fan.fanId }, update: decision } });
        }
      }
    }
    if (writes.length > 0) {
      await model.bulkWrite(writes, { ordered: false });
    }
    return admitted;
  });
}

/** What to write for one fan, given its quota state now. */
function decide(fan: QuotaState, props: MassQuotaProps): 'refused' | 'counted already' | Record<string, Record<string, unknown>> {
  const pushes = fan.massPushes;
  if (pushes?.lastBatch === props.batchKey) {
    return 'counted already';
  }
  if (!fan.subscribed) {
    return 'refused';
  }
  if (props.minGapMs > 0 && pushes?.lastAt && pushes.lastAt.getTime() > props.now.getTime() - props.minGapMs) {
    return 'refused';
  }
  const stamp = { 'massPushes.lastAt': props.now, 'massPushes.lastBatch': props.batchKey };
  if (pushes?.month === props.month) {
    return (pushes.count ?? 0) >= props.limit ? 'refused' : { $inc: { 'massPushes.count': 1 }, $set: stamp };
  }
  return { $set: { ...stamp, 'massPushes.month': props.month, 'massPushes.count': 1 } };
}

/** Gives the pushes of a batch WeChat refused (or that was too small to send) back to its fans. */
export async function releaseMassQuota(props: Pick<MassQuotaProps, 'connection' | 'clock' | 'batchKey' | 'month'>): Promise<void> {
  await withLease('mass-quota', { connection: props.connection, clock: props.clock, ...LEASE }, async () => {
    await getFanModel(props.connection).updateMany(
      { 'massPushes.lastBatch': props.batchKey, 'massPushes.month': props.month, 'massPushes.count': { $gt: 0 } },
      { $inc: { 'massPushes.count': -1 }, $unset: { 'massPushes.lastBatch': '' } },
    );
  });
}

/**
 * Command: counts a mass push against each fan's monthly quota (`fan.massPushes`, SPEC.md §7)
 * *before* the batch goes out, so two broadcasts running at once can never give one fan a
 * 5th push: only fans still under the limit are admitted. The batch key recorded on each
 * counted fan makes the reservation idempotent (a resumed batch counts nobody twice) and lets
 * a refused batch give the pushes back (to the batch's openids: only they can hold its key).
 *
 * Each fan is admitted by one conditional update, atomic on its document: the filter holds
 * the whole admission rule (subscribed, not counted for this batch, under the monthly limit,
 * outside the minimum gap), so concurrent reservations — other batches, other instances — can
 * never both take a fan's last push, and nothing else needs to be serialized. The admitted are
 * then read back by the batch key, which no other batch removes.
 */
import type { Connection } from 'mongoose';
import { chunksOf, IDS_PER_LOOKUP } from '../db/update-chunks.js';
import { getFanModel } from '../fans/fan-model.js';

export interface MassQuotaProps {
  connection: Connection;
  /** The planned openids of the batch. */
  openIds: readonly string[];
  /** The batch's clientmsgid. */
  batchKey: string;
  /** 'YYYY-MM' in the configured time zone. */
  month: string;
  now: Date;
  limit: number;
  minGapMs: number;
}

/**
 * Batch keys kept per fan: more than a month's pushes, so the key of a batch still being
 * reserved is never cut off by the ones counted after it.
 */
export const BATCH_KEYS_KEPT = 8;

/** Counts the push for every admissible fan; returns the openids admitted (in input order). */
export async function reserveMassQuota(props: MassQuotaProps): Promise<string[]> {
  const model = getFanModel(props.connection);
  const admitted: string[] = [];
  for (const chunk of chunksOf(props.openIds, IDS_PER_LOOKUP)) {
    await model.updateMany(admissionFilter(chunk, props), countPush(props), { updatePipeline: true });
    const counted = await model
      .find({ openId: { $in: chunk }, 'massPushes.batches': props.batchKey }, { _id: 0, openId: 1 })
      .lean<{ openId: string }[]>();
    const countedSet = new Set(counted.map((fan) => fan.openId));
    admitted.push(...chunk.filter((openId) => countedSet.has(openId)));
  }
  return admitted;
}

/** The fans of `openIds` that may be counted for this batch now (served by the openId index). */
export function admissionFilter(openIds: readonly string[], props: MassQuotaProps): Record<string, unknown> {
  return {
    openId: { $in: openIds },
    subscribed: true,
    'massPushes.batches': { $ne: props.batchKey },
    $or: [{ 'massPushes.month': { $ne: props.month } }, { 'massPushes.count': { $not: { $gte: props.limit } } }],
    ...(props.minGapMs > 0 ? { 'massPushes.lastAt': { $not: { $gt: new Date(props.now.getTime() - props.minGapMs) } } } : {}),
  };
}

/** One more push this month (the first of a new month starts the count at 1), stamped with the batch. */
function countPush(props: MassQuotaProps): Record<string, unknown>[] {
  const sameMonth = { $eq: ['$massPushes.month', props.month] };
  return [
    {
      $set: {
        'massPushes.count': { $cond: [sameMonth, { $add: [{ $ifNull: ['$massPushes.count', 0] }, 1] }, 1] },
        'massPushes.month': { $literal: props.month },
        'massPushes.lastAt': { $literal: props.now },
        'massPushes.batches': {
          $slice: [{ $concatArrays: [{ $ifNull: ['$massPushes.batches', []] }, [{ $literal: props.batchKey }]] }, -BATCH_KEYS_KEPT],
        },
      },
    },
  ];
}

/**
 * Gives the pushes of a batch WeChat refused (or that was too small to send) back to its fans.
 * Only the batch's planned openids can hold its key, so they are looked up by the openId index:
 * an index on the batch keys would be rewritten by every write of every pushed fan, for a
 * lookup that runs only when a batch is refused.
 */
export async function releaseMassQuota(props: Pick<MassQuotaProps, 'connection' | 'openIds' | 'batchKey' | 'month'>): Promise<void> {
  const model = getFanModel(props.connection);
  for (const chunk of chunksOf(props.openIds, IDS_PER_LOOKUP)) {
    await model.updateMany(
      { openId: { $in: chunk }, 'massPushes.batches': props.batchKey, 'massPushes.month': props.month, 'massPushes.count': { $gt: 0 } },
      { $inc: { 'massPushes.count': -1 }, $pull: { 'massPushes.batches': props.batchKey } },
    );
  }
}

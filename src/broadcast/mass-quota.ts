/**
 * Command: counts a mass push against each fan's monthly quota (`fan.massPushes`, SPEC.md §7)
 * *before* the batch goes out, atomically per fan, so two broadcasts running at once can never
 * give one fan a 5th push: only fans still under the limit are admitted. The batch key marks
 * the counted fans, which makes the reservation idempotent (a resumed batch counts nobody
 * twice) and lets a refused batch give the pushes back.
 */
import type { Connection } from 'mongoose';
import { getFanModel } from '../fans/fan-model.js';

export interface MassQuotaProps {
  connection: Connection;
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
 * Counts the push for every admissible fan; returns the openids admitted (in input order).
 * One bulk write of per-fan updates keyed by openid (unique index), not an updateMany with
 * `$in`: FerretDB 1.24 evaluates `$in` against every document — measured 237 s for a
 * 1,000-openid `$in` over 5,000 fans — while an openid lookup takes milliseconds.
 */
export async function reserveMassQuota(props: MassQuotaProps): Promise<string[]> {
  const fans = getFanModel(props.connection);
  const { batchKey, month, now } = props;
  const gap = props.minGapMs > 0 ? { $nor: [{ 'massPushes.lastAt': { $gt: new Date(now.getTime() - props.minGapMs) } }] } : {};
  const operations = props.openIds.flatMap((openId) => {
    const base = { openId, subscribed: true, 'massPushes.lastBatch': { $ne: batchKey }, ...gap };
    // Same month: one more if under the limit; then (ordered, so never both) a new month starts at 1.
    return [
      {
        updateOne: {
          filter: { ...base, 'massPushes.month': month, 'massPushes.count': { $lt: props.limit } },
          update: { $inc: { 'massPushes.count': 1 }, $set: { 'massPushes.lastAt': now, 'massPushes.lastBatch': batchKey } },
        },
      },
      {
        updateOne: {
          filter: { ...base, 'massPushes.month': { $ne: month } },
          update: {
            $set: { 'massPushes.month': month, 'massPushes.count': 1, 'massPushes.lastAt': now, 'massPushes.lastBatch': batchKey },
          },
        },
      },
    ];
  });
  for (let i = 0; i < operations.length; i += 2_000) {
    await fans.bulkWrite(operations.slice(i, i + 2_000), { ordered: true });
  }
  const admitted = await fans.find({ 'massPushes.lastBatch': batchKey }, { openId: 1 }).lean();
  const set = new Set(admitted.map((fan) => fan.openId));
  return props.openIds.filter((openId) => set.has(openId));
}

/** Gives the pushes of a batch WeChat refused back to its fans. */
export async function releaseMassQuota(props: Pick<MassQuotaProps, 'connection' | 'batchKey' | 'month'>): Promise<void> {
  await getFanModel(props.connection).updateMany(
    { 'massPushes.lastBatch': props.batchKey, 'massPushes.month': props.month, 'massPushes.count': { $gt: 0 } },
    { $inc: { 'massPushes.count': -1 }, $unset: { 'massPushes.lastBatch': '' } },
  );
}

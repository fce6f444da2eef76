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

/** Counts the push for every admissible fan; returns the openids admitted (in input order). */
export async function reserveMassQuota(props: MassQuotaProps): Promise<string[]> {
  const fans = getFanModel(props.connection);
  const { openIds, batchKey, month, now } = props;
  const notYet = { 'massPushes.lastBatch': { $ne: batchKey } };
  const gap = props.minGapMs > 0 ? [{ $nor: [{ 'massPushes.lastAt': { $gt: new Date(now.getTime() - props.minGapMs) } }] }] : [];
  // Same month: one more, if under the limit. Order matters: this runs before the month
  // rollover below, which would otherwise make those fans match here too.
  await fans.updateMany(
    { $and: [{ openId: { $in: openIds }, subscribed: true, 'massPushes.month': month, 'massPushes.count': { $lt: props.limit } }, notYet, ...gap] },
    { $inc: { 'massPushes.count': 1 }, $set: { 'massPushes.lastAt': now, 'massPushes.lastBatch': batchKey } },
  );
  await fans.updateMany(
    { $and: [{ openId: { $in: openIds }, subscribed: true, 'massPushes.month': { $ne: month } }, notYet, ...gap] },
    { $set: { 'massPushes.month': month, 'massPushes.count': 1, 'massPushes.lastAt': now, 'massPushes.lastBatch': batchKey } },
  );
  const admitted = await fans.find({ openId: { $in: openIds }, 'massPushes.lastBatch': batchKey }, { openId: 1 }).lean();
  const set = new Set(admitted.map((fan) => fan.openId));
  return openIds.filter((openId) => set.has(openId));
}

/** Gives the pushes of a batch WeChat refused back to its fans. */
export async function releaseMassQuota(props: Pick<MassQuotaProps, 'connection' | 'batchKey' | 'month'>): Promise<void> {
  await getFanModel(props.connection).updateMany(
    { 'massPushes.lastBatch': props.batchKey, 'massPushes.month': props.month, 'massPushes.count': { $gt: 0 } },
    { $inc: { 'massPushes.count': -1 }, $unset: { 'massPushes.lastBatch': '' } },
  );
}

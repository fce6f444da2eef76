/**
 * The mass-send calls fanhook made, kept in MongoDB so every instance sees the same count:
 * WeChat allows about 100 a day and 60 a minute (WECHAT.md §6.1, §12), and running out
 * mid-campaign strands the rest of it until tomorrow.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';
import { startOfDayIn, zonedParts, zonedToDate } from './zoned-time.js';

interface MassCall {
  at: Date;
  clientMsgId: string;
}

const massCallSchema = new Schema<MassCall>({ at: { type: Date, required: true }, clientMsgId: String }, { versionKey: false });
massCallSchema.index({ at: -1 });

export function getMassCallModel(connection: Connection): Model<MassCall> {
  return modelOn(connection, 'MassCall', massCallSchema, 'mass_calls');
}

export interface MassCallLimits {
  perDay: number;
  perMinute: number;
}

export interface MassCallBudgetProps {
  connection: Connection;
  now: Date;
  timezone: string;
  limits: MassCallLimits;
}

/** Calls made today (in the configured time zone). */
export async function massCallsToday(props: Omit<MassCallBudgetProps, 'limits'>): Promise<number> {
  return getMassCallModel(props.connection).countDocuments({ at: { $gte: startOfDayIn(props.now, props.timezone) } });
}

/**
 * Records one call if the budget allows it; otherwise says when to try again.
 * Not a lock: two instances may both take the last call of a minute; WeChat's own 45011
 * then makes the loser wait, which is the same outcome.
 */
export async function takeMassCall(
  props: MassCallBudgetProps & { clientMsgId: string },
): Promise<{ ok: true } | { ok: false; retryAt: Date; reason: 'daily' | 'minute' }> {
  const model = getMassCallModel(props.connection);
  if ((await massCallsToday(props)) >= props.limits.perDay) {
    return { ok: false, retryAt: startOfNextDay(props.now, props.timezone), reason: 'daily' };
  }
  const minuteAgo = new Date(props.now.getTime() - 60_000);
  const recent = await model
    .find({ at: { $gt: minuteAgo } }, { at: 1 })
    .sort({ at: 1 })
    .lean();
  if (recent.length >= props.limits.perMinute) {
    return { ok: false, retryAt: new Date(recent[0]!.at.getTime() + 60_000), reason: 'minute' };
  }
  await model.create({ at: props.now, clientMsgId: props.clientMsgId });
  return { ok: true };
}

/** 00:00:05 of the next day in `timezone` (a few seconds late, so the new day has surely begun). */
export function startOfNextDay(now: Date, timezone: string): Date {
  const p = zonedParts(new Date(startOfDayIn(now, timezone).getTime() + 36 * 3_600_000), timezone);
  return zonedToDate({ year: p.year, month: p.month, day: p.day, hour: 0, minute: 0, second: 5 }, timezone);
}

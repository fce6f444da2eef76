/**
 * The platform's daily template-message limit (100,000 by default, WECHAT.md §8.1, §12),
 * counted in MongoDB so all instances share one count per day in the configured time zone.
 * A notice is counted before its send and given back when WeChat refused it.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError, modelOn } from '../db/model.js';
import { zonedParts } from '../broadcast/zoned-time.js';

interface NoticeDay {
  _id: string;
  used: number;
}

const noticeDaySchema = new Schema<NoticeDay>({ _id: String, used: { type: Number, required: true } }, { versionKey: false });

function getNoticeDayModel(connection: Connection): Model<NoticeDay> {
  return modelOn(connection, 'NoticeDay', noticeDaySchema, 'notice_days');
}

export interface NoticeDayProps {
  connection: Connection;
  now: Date;
  timezone: string;
}

/** 'YYYY-MM-DD' of `now` in the time zone: one counter per day. */
function dayOf(props: NoticeDayProps): string {
  const p = zonedParts(props.now, props.timezone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Notices counted today. */
export async function noticesToday(props: NoticeDayProps): Promise<number> {
  const doc = await getNoticeDayModel(props.connection).findById(dayOf(props)).lean();
  return doc?.used ?? 0;
}

/** Counts one notice if today's limit allows it; false when the limit is reached. */
export async function takeNotice(props: NoticeDayProps & { perDay: number }): Promise<boolean> {
  const model = getNoticeDayModel(props.connection);
  const day = dayOf(props);
  // A compare-and-increment: two instances can never both take the last one.
  const taken = await model.updateOne({ _id: day, used: { $lt: props.perDay } }, { $inc: { used: 1 } });
  if (taken.modifiedCount === 1) {
    return true;
  }
  if (props.perDay < 1 || (await model.exists({ _id: day }))) {
    return false;
  }
  try {
    await model.create({ _id: day, used: 1 });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) {
      return takeNotice(props);
    }
    throw error;
  }
}

/** Gives back one notice counted today (WeChat refused it, so it used nothing). */
export async function returnNotice(props: NoticeDayProps): Promise<void> {
  await getNoticeDayModel(props.connection).updateOne({ _id: dayOf(props), used: { $gt: 0 } }, { $inc: { used: -1 } });
}

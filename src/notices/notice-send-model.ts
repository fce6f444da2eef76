/**
 * One service notice WeChat accepted (template/send answered a msgid), and what
 * TEMPLATESENDJOBFINISH later said about it. Both writes are upserts on `msgId`, so the
 * result may arrive before the sender recorded its send (WeChat promises no order) and the
 * document still ends up whole.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

/** TEMPLATESENDJOBFINISH Status → what it means for the merchant (WECHAT.md §2.3). */
export type NoticeResult = 'delivered' | 'user_block' | 'system_failed' | 'failed';

export interface NoticeSend {
  msgId: string;
  openId?: string;
  notice?: string;
  templateId?: string;
  /** The broadcast it belongs to, or the handoff (short id) a staff reply came from. */
  broadcast?: number;
  handoff?: string;
  sentAt?: Date;
  result?: NoticeResult;
  /** Status exactly as WeChat sent it. */
  status?: string;
  finishedAt?: Date;
}

const noticeSendSchema = new Schema<NoticeSend>(
  {
    msgId: { type: String, required: true },
    openId: String,
    notice: String,
    templateId: String,
    broadcast: Number,
    handoff: String,
    sentAt: Date,
    result: String,
    status: String,
    finishedAt: Date,
  },
  { versionKey: false },
);
// The result event finds its send by msgid; unique so the two upserts meet in one document.
noticeSendSchema.index({ msgId: 1 }, { unique: true });
// /report counts a broadcast's notices by result.
noticeSendSchema.index({ broadcast: 1, result: 1 });
// A handoff's last notice (one per silence of the fan, staff-reply-notice.ts).
noticeSendSchema.index({ handoff: 1, sentAt: -1 }, { partialFilterExpression: { handoff: { $exists: true } } });

/** The NoticeSend model on `connection` (collection `notice_sends`). */
export function getNoticeSendModel(connection: Connection): Model<NoticeSend> {
  return modelOn(connection, 'NoticeSend', noticeSendSchema, 'notice_sends');
}

/** What a TEMPLATESENDJOBFINISH Status means (`failed: system failed` has a space, `failed:user block` none). */
export function noticeResultOf(status: string): NoticeResult {
  const normal = status.toLowerCase().replace(/\s+/g, ' ').trim();
  if (normal === 'success') {
    return 'delivered';
  }
  if (normal.includes('user block')) {
    return 'user_block';
  }
  if (normal.includes('system failed')) {
    return 'system_failed';
  }
  return 'failed';
}

/** Counts of a broadcast's notices by result; `pending` have no TEMPLATESENDJOBFINISH yet. */
export async function noticeResultsOf(connection: Connection, broadcast: number): Promise<Record<NoticeResult | 'pending', number>> {
  const rows = await getNoticeSendModel(connection).aggregate<{ _id: NoticeResult | null; n: number }>([
    { $match: { broadcast } },
    { $group: { _id: '$result', n: { $sum: 1 } } },
  ]);
  const counts = { delivered: 0, user_block: 0, system_failed: 0, failed: 0, pending: 0 };
  for (const row of rows) {
    counts[row._id ?? 'pending'] += row.n;
  }
  return counts;
}

/**
 * One unit of delivery of a broadcast, written when the broadcast is planned so a restart
 * resumes exactly where it stopped:
 * - `mass`: one mass-send call to ≤ 10,000 openids with its own `clientmsgid`
 *   planned → reserved (quota counted, recipients frozen) → accepted (msg_id) → finished
 *   (MASSSENDJOBFINISH), or skipped/failed;
 * - `tag`: one `mass/sendall` to a WeChat tag for the whole audience (tag-send.ts), the same
 *   states as `mass`, or `replaced` when it fell back to OpenID batches written after it;
 * - `customer`: customer-service messages; each openid is marked `attempted` before its send,
 *   so a crash can lose a message but never send one twice;
 * - `notice`: service notices (template messages) to the whole audience, `attempted` like
 *   `customer` (src/notices/notice-batch.ts).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export type BatchState = 'planned' | 'reserved' | 'accepted' | 'finished' | 'skipped' | 'failed' | 'replaced';

/**
 * Why a by-tag batch went by OpenID lists after all: a fan's quota or gap, fanhook's record of
 * the tag's members changed, WeChat counts other members than fanhook recorded (tagged by hand
 * in the MP backend), or the WeChat tag was deleted there.
 */
export type TagFallback = 'quota' | 'mirror' | 'wechat_count' | 'wechat_deleted';

export interface MassFinish {
  status: string;
  totalCount: number;
  filterCount: number;
  sentCount: number;
  errorCount: number;
  at: Date;
}

export interface BroadcastBatch {
  broadcast: number;
  index: number;
  kind: 'mass' | 'tag' | 'customer' | 'notice';
  state: BatchState;
  /** Planned audience of the batch. */
  openIds: string[];
  /** Mass: the message part of the call (content rendered for this batch's group). */
  body?: Record<string, unknown>;
  clientMsgId?: string;
  /** Mass: who the quota reservation admitted (frozen before the first call). */
  recipients?: string[];
  /** Mass: the month ('YYYY-MM') the reservation counted the push in. */
  quotaMonth?: string;
  /** Tag: the fanhook tag and its WeChat tag id (`filter.tag_id`). */
  tagName?: string;
  tagId?: number;
  /**
   * Tag: set right before the first `sendall` call. From then on WeChat may have the job, so
   * only the same call (same clientmsgid) is ever retried — never a fallback to OpenID lists.
   */
  tagCallAt?: Date;
  /** Tag: set first when falling back, so a crash mid-way finishes the fallback instead of sending by tag. */
  fallback?: TagFallback;
  msgId?: string;
  acceptedAt?: Date;
  finish?: MassFinish;
  /** Customer and notice: openids whose message was attempted / delivered / refused. */
  attempted?: string[];
  sent?: string[];
  failed?: string[];
  error?: string;
}

const batchSchema = new Schema<BroadcastBatch>(
  {
    broadcast: { type: Number, required: true },
    index: { type: Number, required: true },
    kind: { type: String, required: true },
    state: { type: String, required: true },
    openIds: { type: [String], default: [] },
    body: { type: Schema.Types.Mixed },
    clientMsgId: String,
    recipients: { type: [String], default: undefined },
    quotaMonth: String,
    tagName: String,
    tagId: Number,
    tagCallAt: Date,
    fallback: String,
    msgId: String,
    acceptedAt: Date,
    finish: { type: Schema.Types.Mixed },
    attempted: { type: [String], default: undefined },
    sent: { type: [String], default: undefined },
    failed: { type: [String], default: undefined },
    error: String,
  },
  { versionKey: false },
);
batchSchema.index({ broadcast: 1, index: 1 }, { unique: true });
batchSchema.index({ msgId: 1 });

/** The BroadcastBatch model on `connection` (collection `broadcast_batches`). */
export function getBroadcastBatchModel(connection: Connection): Model<BroadcastBatch> {
  return modelOn(connection, 'BroadcastBatch', batchSchema, 'broadcast_batches');
}

/**
 * `clientmsgid` of a batch: the same on every retry of that batch, unique across broadcasts
 * and databases (the broadcast's ObjectId), 37 bytes at most (limit 64, WECHAT.md §6.5).
 */
export function clientMsgIdOf(broadcastObjectId: string, index: number): string {
  return `fh-${broadcastObjectId}-${index}`;
}

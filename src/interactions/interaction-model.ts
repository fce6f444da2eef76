/**
 * The interaction log: one document per inbound message or event. Its unique `dedupeKey`
 * is also the retry-dedupe receipt (WECHAT.md §3.1), so storing the interaction and
 * claiming it for processing is a single insert, and the stored `reply` is what a retry of
 * the same message gets back. The `_id` is derived from the key (interactionIdOf), so that
 * retry finds the first delivery by `_id`.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';
import type { ReplyMode } from '../wechat/callback-ports.js';
import type { OutboundReply } from '../wechat/reply.js';

export type InteractionStatus = 'processing' | 'done' | 'failed';

export interface Interaction {
  dedupeKey: string;
  openId: string;
  kind: string;
  msgType: string;
  event?: string;
  /** CreateTime as WeChat sent it. */
  sentAt: Date;
  receivedAt: Date;
  /** The parsed XML element map, names escaped (storable-keys.ts), so nothing WeChat sent is lost. */
  payload: Record<string, unknown>;
  status: InteractionStatus;
  /** While processing: a retry may take over after this instant (the first worker died). */
  leaseUntil?: Date;
  reply?: OutboundReply | null;
  replyMode?: ReplyMode;
  /** Set when handling threw; the message is kept for inspection and replay. */
  error?: string;
  /** Processing attempts so far (a failed one is retried until the store's limit). */
  attempts?: number;
}

const interactionSchema = new Schema<Interaction>(
  {
    dedupeKey: { type: String, required: true },
    openId: { type: String, required: true },
    kind: { type: String, required: true },
    msgType: { type: String, required: true },
    event: { type: String },
    sentAt: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
    leaseUntil: { type: Date },
    reply: { type: Schema.Types.Mixed },
    replyMode: { type: String },
    error: { type: String },
    attempts: { type: Number },
  },
  { versionKey: false, minimize: false },
);
// Unique: concurrent deliveries of one message (WeChat retries, several instances) race on
// this index and exactly one wins.
interactionSchema.index({ dedupeKey: 1 }, { unique: true });
// A fan's history, newest first (profile card, handoff transcripts).
interactionSchema.index({ openId: 1, receivedAt: -1 });
// Retention sweeps delete by age.
interactionSchema.index({ receivedAt: 1 });

/** The Interaction model on `connection` (collection `interactions`). */
export function getInteractionModel(connection: Connection): Model<Interaction> {
  return modelOn(connection, 'Interaction', interactionSchema, 'interactions');
}

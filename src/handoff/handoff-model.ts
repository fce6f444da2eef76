/**
 * A handoff: one fan's chat moved from the bot to a person, from the trigger to the close,
 * with its transcript. Looked up by the short id staff type (`/take A7K2`).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

/** queued = waiting for a person; held = a person has it; closed = back with the bot. */
export type HandoffStatus = 'queued' | 'held' | 'closed';
/** keyword (the fan asked), stuck (the bot could not answer twice), admin (/handoff), native (WeChat kf session). */
export type HandoffReason = 'keyword' | 'stuck' | 'admin' | 'native';

/** One line of a handoff's transcript. */
export interface TranscriptEntry {
  at: Date;
  from: 'fan' | 'staff' | 'bot' | 'system';
  kind: string;
  text: string;
  mediaId?: string;
  /** Staff openid (or ops identity) for staff lines. */
  by?: string;
  /** False when WeChat (or the window) refused it; the reason is in `error`. */
  delivered: boolean;
  error?: string;
}

/** One handoff document (collection `handoffs`). */
export interface Handoff {
  shortId: string;
  openId: string;
  status: HandoffStatus;
  mode: 'staff' | 'native';
  reason: HandoffReason;
  /** The keyword, the admin's openid… */
  reasonDetail?: string;
  staffOpenId?: string;
  /** 'official' = the staff member works from the official account; 'ops' = the wechat4u ops chat. */
  staffChannel?: 'official' | 'ops';
  /** WeChat customer-service account serving a native handoff. */
  kfAccount?: string;
  /** The fan's messages before the handoff, newest last. */
  lastMessages: { at: Date; kind: string; text: string }[];
  transcript: TranscriptEntry[];
  createdAt: Date;
  takenAt?: Date;
  closedAt?: Date;
  closedBy?: string;
  closeReason?: 'ended' | 'idle' | 'unfollowed' | 'kf_closed';
  lastActivityAt: Date;
  /** Set when the unclaimed reminder went out (so it goes out once). */
  remindedAt?: Date;
  /** Set when a queued fan was told once more that a person is coming (no spam). */
  waitNoticeAt?: Date;
  /** How many undelivered fan messages the staff member has already seen (taken card, /queue). */
  missedShown?: number;
}

const transcriptEntry = {
  _id: false,
  at: Date,
  from: String,
  kind: String,
  text: String,
  mediaId: String,
  by: String,
  delivered: Boolean,
  error: String,
};

const handoffSchema = new Schema<Handoff>(
  {
    shortId: { type: String, required: true },
    openId: { type: String, required: true },
    status: { type: String, required: true },
    mode: { type: String, required: true, default: 'staff' },
    reason: { type: String, required: true },
    reasonDetail: { type: String },
    staffOpenId: { type: String },
    staffChannel: { type: String },
    kfAccount: { type: String },
    lastMessages: { type: [{ _id: false, at: Date, kind: String, text: String }], default: [] },
    transcript: { type: [transcriptEntry], default: [] },
    createdAt: { type: Date, required: true },
    takenAt: { type: Date },
    closedAt: { type: Date },
    closedBy: { type: String },
    closeReason: { type: String },
    lastActivityAt: { type: Date, required: true },
    remindedAt: { type: Date },
    waitNoticeAt: { type: Date },
    missedShown: { type: Number },
  },
  { versionKey: false, minimize: false },
);
handoffSchema.index({ shortId: 1 }, { unique: true });
// The queue, the timeout sweep and "which chats does this staff member hold".
handoffSchema.index({ status: 1, createdAt: 1 });
handoffSchema.index({ staffOpenId: 1, status: 1 });
// Transcripts of a fan.
handoffSchema.index({ openId: 1, createdAt: -1 });

/** The Handoff model on `connection` (collection `handoffs`). */
export function getHandoffModel(connection: Connection): Model<Handoff> {
  return modelOn(connection, 'Handoff', handoffSchema, 'handoffs');
}

/** Open handoffs (queued or held), for `/stats`. */
export function countOpenHandoffs(connection: Connection): Promise<number> {
  return getHandoffModel(connection).countDocuments({ status: { $in: ['queued', 'held'] } });
}

/** The fan's messages in the transcript that did not reach a staff member, oldest first. */
export function undeliveredFanLines(handoff: Pick<Handoff, 'transcript'>): TranscriptEntry[] {
  return handoff.transcript.filter((t) => t.from === 'fan' && !t.delivered);
}

/** Every handoff of a fan with its transcript, newest first. */
export function handoffsOf(connection: Connection, openId: string): Promise<Handoff[]> {
  return getHandoffModel(connection).find({ openId }).sort({ createdAt: -1 }).lean<Handoff[]>();
}

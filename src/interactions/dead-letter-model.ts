/**
 * Dead letters: messages fanhook gave up on — the database refused to store them, or their
 * processing failed on every attempt — kept whole so an operator can look and replay
 * (`npm run dead-letters`). The message's element names are stored escaped (storable-keys.ts).
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { modelOn } from '../db/model.js';
import type { DeadLetterReason } from '../wechat/callback-ports.js';
import type { InboundMessage } from '../wechat/inbound.js';

export interface StoredDeadLetter {
  _id: Types.ObjectId;
  dedupeKey: string;
  openId: string;
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  receivedAt: Date;
  deadAt: Date;
  message: InboundMessage;
}

const deadLetterSchema = new Schema<StoredDeadLetter>(
  {
    dedupeKey: { type: String, required: true },
    openId: { type: String, required: true },
    reason: { type: String, required: true },
    error: { type: String, required: true },
    attempts: { type: Number, required: true },
    receivedAt: { type: Date, required: true },
    deadAt: { type: Date, required: true },
    message: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);
// The operator's list, newest first.
deadLetterSchema.index({ deadAt: -1 });

/** The dead-letter model on `connection` (collection `dead_letters`). */
export function getDeadLetterModel(connection: Connection): Model<StoredDeadLetter> {
  return modelOn(connection, 'DeadLetter', deadLetterSchema, 'dead_letters');
}

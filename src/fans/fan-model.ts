/**
 * A fan of the account: one document per openid, updated atomically by every interaction.
 * The customer-service window lives here (not in its own collection) so segment queries
 * such as "reachable by customer-service message" stay single-collection (no $lookup).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

/** WeChat's customer-service allowances (WECHAT.md §5.2). */
export interface CustomerServiceWindow {
  /** Last message the fan sent: opens 5 messages for 48 hours. */
  messageAt?: Date;
  messageUsed: number;
  /** Last menu click / follow / QR scan: opens 3 messages for 1 minute. */
  triggerAt?: Date;
  triggerUsed: number;
}

export interface Fan {
  openId: string;
  subscribed: boolean;
  firstSeenAt: Date;
  lastSeenAt: Date;
  csWindow: CustomerServiceWindow;
  createdAt?: Date;
  updatedAt?: Date;
}

export const fanSchema = new Schema<Fan>(
  {
    openId: { type: String, required: true },
    subscribed: { type: Boolean, default: false },
    firstSeenAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    csWindow: {
      messageAt: { type: Date },
      messageUsed: { type: Number, default: 0 },
      triggerAt: { type: Date },
      triggerUsed: { type: Number, default: 0 },
    },
  },
  { versionKey: false, timestamps: true, minimize: false },
);
fanSchema.index({ openId: 1 }, { unique: true });
fanSchema.index({ lastSeenAt: -1 });

/** The Fan model on `connection` (collection `fans`). */
export function getFanModel(connection: Connection): Model<Fan> {
  return modelOn(connection, 'Fan', fanSchema, 'fans');
}

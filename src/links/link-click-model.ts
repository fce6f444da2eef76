/**
 * One opening of a tracked link: which link, which broadcast, which fan (when WeChat web
 * OAuth or a signed per-fan code told us), when, and whether it was that fan's first click
 * on that link. A fan's first click has the id `<code>:<openid>`, so the unique `_id`
 * decides "first or repeat" atomically, across instances.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { Types } from 'mongoose';
import { modelOn } from '../db/model.js';

/** How the fan was identified: web OAuth, a signed per-fan code, or not at all. */
export type ClickVia = 'oauth' | 'signed' | 'anonymous';

export interface LinkClick {
  _id: string | Types.ObjectId;
  code: string;
  broadcast?: number;
  openId?: string;
  at: Date;
  /** Identified clicks only: the fan's first click on this link. */
  first?: boolean;
  via: ClickVia;
  /** Why an opening inside WeChat stayed anonymous (e.g. `oauth_40163`, `no_code`). */
  reason?: string;
}

const clickSchema = new Schema<LinkClick>(
  {
    _id: { type: Schema.Types.Mixed, required: true },
    code: { type: String, required: true },
    broadcast: Number,
    openId: String,
    at: { type: Date, required: true },
    first: Boolean,
    via: { type: String, required: true },
    reason: String,
  },
  { versionKey: false },
);
// The report counts a broadcast's clickers (distinct openids) from this index alone. It is the
// only secondary index: every click is an insert, and each index is written on each of them.
clickSchema.index({ broadcast: 1, openId: 1 });

/** The LinkClick model on `connection` (collection `link_clicks`). */
export function getLinkClickModel(connection: Connection): Model<LinkClick> {
  return modelOn(connection, 'LinkClick', clickSchema, 'link_clicks');
}

/** The `_id` of a fan's first click on a link. */
export function firstClickId(code: string, openId: string): string {
  return `${code}:${openId}`;
}

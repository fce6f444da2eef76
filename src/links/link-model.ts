/**
 * A tracked link: a short random code standing for one target URL in one place — a
 * broadcast (`b:<number>`) or the fan-facing replies (`reply`). One code per link per
 * broadcast, so a click tells which push brought the fan (SPEC.md §12).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export interface Link {
  /** The code in `/l/<code>`. */
  _id: string;
  /** `b:<broadcast number>` or `reply`: one code per target within a scope. */
  scope: string;
  /** The broadcast the link was sent in, for the report and `clicked:` segments. */
  broadcast?: number;
  /** Where the link leads; only http(s) URLs are ever stored. */
  target: string;
  createdAt: Date;
}

const linkSchema = new Schema<Link>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    broadcast: Number,
    target: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// One code per link per broadcast, even when two instances plan or reply at once.
linkSchema.index({ scope: 1, target: 1 }, { unique: true });

/** The Link model on `connection` (collection `links`). */
export function getLinkModel(connection: Connection): Model<Link> {
  return modelOn(connection, 'Link', linkSchema, 'links');
}

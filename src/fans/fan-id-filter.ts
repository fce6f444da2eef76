/**
 * Mongoose plugin for the Fan schema: a query whose whole filter is `{ openId }`, for a fan
 * this process has already touched, is sent as `{ _id }` instead. Why: FerretDB 1.24 on
 * SQLite uses no secondary index — only an exact `{ _id }` filter is pushed down, everything
 * else scans the collection — and the feature middleware write the sender's fan by openid
 * several times per message (measured with bench/: ~90 ms per such write at 5,000 fans,
 * 8 of them per text message). On MongoDB both filters are indexed; nothing changes.
 * The id is trustworthy: `touchFan` confirms it at the start of every update's pipeline
 * (its write by `_id` must match), and upserts are never rewritten.
 */
import type { Query, Schema } from 'mongoose';
import { FanIdCache } from './fan-id-cache.js';

const REWRITTEN: Array<'findOne' | 'findOneAndUpdate' | 'updateOne' | 'deleteOne'> = [
  'findOne',
  'findOneAndUpdate',
  'updateOne',
  'deleteOne',
];

/** Installs the rewrite on `schema` (the Fan schema). */
export function fanIdFilters(schema: Schema): void {
  schema.pre(REWRITTEN, { document: false, query: true }, function rewriteOpenIdFilter(this: Query<unknown, unknown>) {
    const filter = this.getFilter();
    const keys = Object.keys(filter);
    if (keys.length !== 1 || typeof filter.openId !== 'string' || this.getOptions().upsert) {
      return;
    }
    const id = FanIdCache.of(this.model.db).get(filter.openId);
    if (id !== undefined) {
      this.setQuery({ _id: id });
    }
  });
}

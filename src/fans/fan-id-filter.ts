/**
 * Mongoose plugin for the Fan schema: a query that selects one fan by `openId` (alone, or with
 * more conditions such as `tagsRev` or the customer-service allowance), for a fan this process
 * has already touched, selects it by `_id` instead and keeps the other conditions. Why:
 * stock FerretDB 1.24 on SQLite uses no secondary index — only an `_id` equality is looked up in
 * an index, everything else scans the collection (fanhook's own build, src/db/local-database.ts,
 * narrows `openId` too; MONGODB_URI may point at a stock one) —
 * and the feature middleware write the sender's fan by openid (measured with bench/: ~90 ms per
 * such write at 300 fans under load, against ~2 ms by `_id`). On MongoDB both are indexed.
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
    const { openId, ...rest } = this.getFilter();
    if (typeof openId !== 'string' || '_id' in rest || this.getOptions().upsert) {
      return;
    }
    const id = FanIdCache.of(this.model.db).get(openId);
    if (id !== undefined) {
      this.setQuery({ _id: id, ...rest });
    }
  });
}

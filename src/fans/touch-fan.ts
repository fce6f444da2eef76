/**
 * Command: applies an inbound message to its fan (creating the fan on first contact) and
 * returns the updated document. The update itself is `buildFanUpdate` (one atomic update);
 * this file decides how it reaches the database: by `_id` (see fan-id-cache.ts), so the hot
 * path never scans the fans collection on FerretDB, and grouped with the other messages'
 * updates under load (fan-writes.ts).
 */
import type { Connection, Types, UpdateQuery } from 'mongoose';
import type { InboundMessage } from '../wechat/inbound.js';
import { FanIdCache } from './fan-id-cache.js';
import { getFanModel, type Fan } from './fan-model.js';
import { FanWrites } from './fan-writes.js';
import { buildFanUpdate, type FanUpdateOptions } from './fan-update.js';

export interface TouchFanProps {
  connection: Connection;
  message: InboundMessage;
  now: Date;
  options?: FanUpdateOptions;
}

/** Upserts the fan for `message` and returns it after the update. */
export async function touchFan({ connection, message, now, options }: TouchFanProps): Promise<Fan> {
  const model = getFanModel(connection);
  const cache = FanIdCache.of(connection);
  const openId = message.fromUserName;
  const { $setOnInsert: setOnInsert = {}, ...update } = buildFanUpdate(message, now, options);
  let fan: Fan | null = null;
  let id: Types.ObjectId | undefined;
  for (let attempt = 0; attempt < 2 && !fan; attempt += 1) {
    const initial = { ...(update.$set as Record<string, unknown> | undefined), ...(setOnInsert as Record<string, unknown>) };
    id = await cache.getOrLoad(openId, () => findOrCreateFanId(connection, openId, initial));
    fan = await FanWrites.of(connection).apply(id, update as UpdateQuery<Fan>);
    if (fan) {
      cache.set(openId, id);
    } else {
      // Deleted since we learnt its id (retention purge): learn again, creating it anew.
      cache.delete(openId);
    }
  }
  if (!fan) {
    throw new Error(`fan ${openId} vanished during update`);
  }
  // A re-follow: the one update cannot tell a first follow from a later one (no pipeline
  // updates on FerretDB), so the rare re-follow gets a second, idempotent write.
  const refollows = Math.max(0, (fan.followCount ?? 0) - 1);
  if (message.kind === 'subscribe' && refollows > (fan.refollowCount ?? 0)) {
    await model.updateOne({ _id: id }, { $max: { refollowCount: refollows } });
    fan.refollowCount = refollows;
  }
  return fan;
}

/**
 * The `_id` of the fan with `openId`, inserting the fan (schema defaults plus the update's
 * `$set` and `$setOnInsert` values, so it validates; the update then runs on it) when there is none. Insert first: a follow burst is all new fans,
 * and the unique openid index answers "exists" without a scan; only a fan this process has
 * not seen yet costs a lookup by openid.
 */
async function findOrCreateFanId(connection: Connection, openId: string, initial: Record<string, unknown>): Promise<Types.ObjectId> {
  const model = getFanModel(connection);
  const doc = new model({ openId });
  for (const [path, value] of Object.entries(initial)) {
    doc.set(path, value);
  }
  await doc.validate();
  if ((await FanWrites.of(connection).insert(doc.toObject())) === 'inserted') {
    return doc._id as Types.ObjectId;
  }
  const existing = await model.findOne({ openId }, { _id: 1 }).lean();
  if (!existing) {
    throw new Error(`fan ${openId} reported as existing but not found`);
  }
  return existing._id as Types.ObjectId;
}

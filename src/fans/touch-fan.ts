/**
 * Command: applies an inbound message to its fan (creating the fan on first contact) and
 * returns the updated document: one atomic upsert by openid (`buildFanUpdate`), served by the
 * unique openid index, so concurrent messages of one fan never lose an update.
 */
import type { Connection, UpdateQuery } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
import type { InboundMessage } from '../wechat/inbound.js';
import { getFanModel, type Fan } from './fan-model.js';
import { buildFanUpdate, type FanUpdateOptions } from './fan-update.js';

/** A newcomer's first messages race at most a few ways; each retry finds the document. */
const UPSERT_ATTEMPTS = 3;

export interface TouchFanProps {
  connection: Connection;
  message: InboundMessage;
  now: Date;
  options?: FanUpdateOptions;
}

/** Upserts the fan for `message` and returns it after the update. */
export async function touchFan({ connection, message, now, options }: TouchFanProps): Promise<Fan> {
  const model = getFanModel(connection);
  const openId = message.fromUserName;
  const update = buildFanUpdate(message, now, options) as UpdateQuery<Fan>;
  const upsert = () =>
    model.findOneAndUpdate({ openId }, update, { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true }).lean<Fan>();
  let fan: Fan | null = null;
  for (let attempt = 1; ; attempt += 1) {
    try {
      fan = await upsert();
      break;
    } catch (error) {
      // Two first messages of a new fan may both try to insert it: the loser gets a duplicate
      // key and its retry finds the winner's document and updates it (MongoDB's manual advises
      // this; the server retries such upserts itself only in some cases).
      if (attempt >= UPSERT_ATTEMPTS || !isDuplicateKeyError(error)) {
        throw error;
      }
    }
  }
  if (!fan) {
    throw new Error(`fan ${openId} was not upserted`);
  }
  // A re-follow: the operator update cannot tell a first follow from a later one, so the rare
  // re-follow gets a second, idempotent write ($max keeps it right under concurrency).
  const refollows = Math.max(0, (fan.followCount ?? 0) - 1);
  if (message.kind === 'subscribe' && refollows > (fan.refollowCount ?? 0)) {
    await model.updateOne({ openId }, { $max: { refollowCount: refollows } });
    fan.refollowCount = refollows;
  }
  return fan;
}

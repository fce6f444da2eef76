/**
 * Command: applies an inbound message to its fan (creating the fan on first contact) in one
 * atomic round trip and returns the updated document.
 */
import type { Connection } from 'mongoose';
import type { InboundMessage } from '../wechat/inbound.js';
import { getFanModel, type Fan } from './fan-model.js';
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
  const fan = await model
    .findOneAndUpdate({ openId: message.fromUserName }, buildFanUpdate(message, now, options), {
      upsert: true,
      returnDocument: 'after',
      setDefaultsOnInsert: true,
    })
    .lean<Fan>();
  if (!fan) {
    throw new Error(`fan ${message.fromUserName} vanished during upsert`);
  }
  // A re-follow: the one update cannot tell a first follow from a later one (no pipeline
  // updates on FerretDB), so the rare re-follow gets a second, idempotent write.
  const refollows = Math.max(0, (fan.followCount ?? 0) - 1);
  if (message.kind === 'subscribe' && refollows > (fan.refollowCount ?? 0)) {
    await model.updateOne({ openId: fan.openId }, { $max: { refollowCount: refollows } });
    fan.refollowCount = refollows;
  }
  return fan;
}

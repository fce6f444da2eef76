/**
 * Command: applies an inbound message to its fan (creating the fan on first contact) in one
 * atomic round trip and returns the updated document.
 */
import type { Connection } from 'mongoose';
import type { InboundMessage } from '../wechat/inbound.js';
import { getFanModel, type Fan } from './fan-model.js';
import { buildFanUpdate } from './fan-update.js';

export interface TouchFanProps {
  connection: Connection;
  message: InboundMessage;
  now: Date;
}

/** Upserts the fan for `message` and returns it after the update. */
export async function touchFan({ connection, message, now }: TouchFanProps): Promise<Fan> {
  const fan = await getFanModel(connection)
    .findOneAndUpdate({ openId: message.fromUserName }, buildFanUpdate(message, now), {
      upsert: true,
      returnDocument: 'after',
      setDefaultsOnInsert: true,
    })
    .lean<Fan>();
  if (!fan) {
    throw new Error(`fan ${message.fromUserName} vanished during upsert`);
  }
  return fan;
}

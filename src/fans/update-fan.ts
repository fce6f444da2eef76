/**
 * Command: a feature middleware's write to the sender's fan (pending question, unanswered
 * streak, attributes a rule set), by openid — the unique index serves it. Only for writes whose
 * caller needs no match count.
 */
import type { Connection, UpdateQuery } from 'mongoose';
import { getFanModel, type Fan } from './fan-model.js';

export async function updateFan(connection: Connection, openId: string, update: UpdateQuery<Fan>): Promise<void> {
  await getFanModel(connection).updateOne({ openId }, update);
}

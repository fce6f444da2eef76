/**
 * Command: a feature middleware's write to the sender's fan (pending question, unanswered
 * streak, attributes a rule set). For a fan this process knows (every sender: the pipeline
 * touched it first) it joins the grouped fan writes by `_id` (fan-writes.ts), so under load
 * it shares one command with the other messages' writes instead of queueing alone; otherwise
 * it is a plain update by openid. Only for writes whose caller needs no match count.
 */
import type { Connection, UpdateQuery } from 'mongoose';
import { FanIdCache } from './fan-id-cache.js';
import { getFanModel, type Fan } from './fan-model.js';
import { FanWrites } from './fan-writes.js';

export async function updateFan(connection: Connection, openId: string, update: UpdateQuery<Fan>): Promise<void> {
  const id = FanIdCache.of(connection).get(openId);
  if (id === undefined) {
    await getFanModel(connection).updateOne({ openId }, update);
    return;
  }
  await FanWrites.of(connection).update(id, update);
}

/**
 * Command: applies an inbound message to its fan (creating the fan on first contact) and
 * returns the updated document: one atomic upsert by openid (`buildFanUpdate`), served by the
 * unique openid index, so concurrent messages of one fan never lose an update.
 *
 * Exactly once per message: the fan keeps the dedupe keys of its last messages, and the update
 * only matches a fan that does not list this one. A message delivered again after its fan
 * update landed — its pipeline failed afterwards, or the database died before the interaction
 * was marked done, and a retry or the spool replays it — then finds its key and changes nothing.
 */
import type { Connection, UpdateQuery } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
import { dedupeKeyOf, type InboundMessage } from '../wechat/inbound.js';
import { getFanModel, type Fan } from './fan-model.js';
import { buildFanUpdate, type FanUpdateOptions } from './fan-update.js';

/** How many recent message keys a fan remembers: more than a burst of retries and replays spans. */
export const APPLIED_MESSAGES_KEPT = 32;
/** A newcomer's first messages race at most a few ways; each retry finds the document. */
const UPSERT_ATTEMPTS = 3;

export interface TouchFanProps {
  connection: Connection;
  message: InboundMessage;
  now: Date;
  options?: FanUpdateOptions;
}

/** Upserts the fan for `message` and returns it after the update (or as it is, for a message already applied). */
export async function touchFan({ connection, message, now, options }: TouchFanProps): Promise<Fan> {
  const model = getFanModel(connection);
  const openId = message.fromUserName;
  const key = dedupeKeyOf(message);
  const built = buildFanUpdate(message, now, options);
  const update = {
    ...built,
    $push: { ...(built.$push as Record<string, unknown> | undefined), appliedMessages: { $each: [key], $slice: -APPLIED_MESSAGES_KEPT } },
  } as UpdateQuery<Fan>;
  const upsert = () =>
    model
      .findOneAndUpdate({ openId, appliedMessages: { $ne: key } }, update, {
        upsert: true,
        returnDocument: 'after',
        setDefaultsOnInsert: true,
      })
      .lean<Fan>();
  let fan: Fan | null = null;
  for (let attempt = 1; !fan; attempt += 1) {
    try {
      fan = await upsert();
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        throw error;
      }
      // The filter matched no fan, yet one exists: either it already has this message (a
      // repeat: return it unchanged), or another first message of a newcomer inserted it a
      // moment ago (retry: the update now finds it).
      const applied = await model.findOne({ openId, appliedMessages: key }).lean<Fan>();
      if (applied) {
        return applied;
      }
      if (attempt >= UPSERT_ATTEMPTS) {
        throw error;
      }
    }
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

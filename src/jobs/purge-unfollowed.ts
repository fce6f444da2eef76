/**
 * Job: the privacy purge (SPEC.md §2, WECHAT.md §2.3 unsubscribe). Fans unfollowed for more
 * than N days lose everything personal — openid, location, links, words, attributes, tags,
 * history — and their interaction log; only an anonymous copy of the counts stays (message
 * counts, menu clicks, follow source) under a random id, for statistics.
 */
import { randomUUID } from 'node:crypto';
import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import { getFanModel } from '../fans/fan-model.js';
import { getInteractionModel } from '../interactions/interaction-model.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { retryUnlessPermanent } from './agenda.js';

export const PURGE_UNFOLLOWED_JOB = 'fans.purge-unfollowed';

export interface PurgeUnfollowedDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  /** Days after an unfollow before personal data is purged. */
  afterDays: number;
}

/** What survives a purge: counts and attribution, nothing that identifies or describes the person. */
const ANONYMOUS_FIELDS = [
  'counts',
  'menuClicks',
  'menuPaths',
  'source',
  'firstSource',
  'firstSeenAt',
  'lastSeenAt',
  'followCount',
  'refollowCount',
  'massPushes',
] as const;

/** Purges every fan past the retention; returns how many. */
export async function purgeUnfollowed(deps: PurgeUnfollowedDeps): Promise<number> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.afterDays * 24 * 60 * 60 * 1000);
  const fans = getFanModel(deps.connection);
  const candidates = await fans
    .find({ subscribed: false, unsubscribedAt: { $lt: cutoff }, purgedAt: { $exists: false } }, { _id: 1 })
    .lean();
  let purged = 0;
  for (const { _id } of candidates) {
    // Delete, then keep an anonymous copy under a new _id: nothing (not even an id cached by
    // the hot path) leads from the openid to the copy. Guarded: a fan who came back stays.
    const fan = await fans.findOneAndDelete({ _id, subscribed: false, unsubscribedAt: { $lt: cutoff } }).lean();
    if (!fan) {
      continue;
    }
    const anonymous: Record<string, unknown> = {
      openId: `anon_${randomUUID()}`,
      subscribed: false,
      activity: 'unsubscribed',
      purgedAt: now,
    };
    for (const field of ANONYMOUS_FIELDS) {
      if (fan[field] !== undefined) {
        anonymous[field] = fan[field];
      }
    }
    await fans.create(anonymous);
    await getInteractionModel(deps.connection).deleteMany({ openId: fan.openId });
    purged += 1;
  }
  if (purged > 0) {
    deps.logger.info({ purged, afterDays: deps.afterDays }, 'personal data of unfollowed fans purged');
  }
  return purged;
}

export function definePurgeUnfollowed(agenda: Agenda, deps: PurgeUnfollowedDeps): void {
  agenda.define(
    PURGE_UNFOLLOWED_JOB,
    async () => {
      await purgeUnfollowed(deps);
    },
    { concurrency: 1, backoff: retryUnlessPermanent },
  );
}

/**
 * PURE: a fan's activity tier (SPEC.md §2) as it was at a past moment, from the fan's own
 * timestamps — for the weekly "fans by tier" history of `/stats chart`. The fan document
 * keeps the latest follow and unfollow, the first and last interaction and per-day
 * interaction counts (kept 60 days, tagging/plan-sweep.ts); a follow–unfollow cycle before the
 * latest one, or an interaction older than the kept days, is not on record, so the past tier
 * is the best reading of what is kept.
 */
import { DORMANT_AFTER_DAYS, NEW_FAN_DAYS } from './activity-of.js';
import type { ActivityTier, Fan } from './fan-model.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type TierFan = Pick<Fan, 'subscribed' | 'subscribedAt' | 'unsubscribedAt' | 'firstSeenAt' | 'lastSeenAt'> &
  Partial<Pick<Fan, 'daily'>>;

/** The tier of `fan` at `at`, or null when the fan had not yet come by then. */
export function tierAt(fan: TierFan, at: Date): ActivityTier | null {
  const t = at.getTime();
  if (fan.firstSeenAt.getTime() > t) {
    return null;
  }
  if (!wasSubscribed(fan, t)) {
    return 'unsubscribed';
  }
  if (fan.subscribedAt && t - fan.subscribedAt.getTime() < NEW_FAN_DAYS * DAY_MS) {
    return 'new';
  }
  return t - lastSeenBy(fan, t) >= DORMANT_AFTER_DAYS * DAY_MS ? 'dormant' : 'active';
}

/** Following at `t`: by the latest follow (if it came before `t`) and the latest unfollow. */
function wasSubscribed(fan: TierFan, t: number): boolean {
  const followed = fan.subscribedAt?.getTime();
  const unfollowed = fan.unsubscribedAt?.getTime();
  if (followed !== undefined && followed <= t && (unfollowed === undefined || unfollowed < followed || unfollowed > t)) {
    return true;
  }
  // Following now, but the latest follow came after `t`: at `t` the fan had unfollowed before.
  if (fan.subscribed) {
    return false;
  }
  // Unfollowed since `t` (and the follow before it is not on record): still following at `t`.
  return unfollowed !== undefined && unfollowed > t && (followed === undefined || followed <= t);
}

/** The latest interaction on record at or before `t`. */
function lastSeenBy(fan: TierFan, t: number): number {
  if (fan.lastSeenAt.getTime() <= t) {
    return fan.lastSeenAt.getTime();
  }
  let latest = fan.firstSeenAt.getTime();
  const followed = fan.subscribedAt?.getTime();
  if (followed !== undefined && followed <= t) {
    latest = Math.max(latest, followed);
  }
  const lastDay = Math.floor(t / DAY_MS);
  for (const key of Object.keys(fan.daily ?? {})) {
    const day = Number(key);
    if (Number.isInteger(day) && day <= lastDay) {
      // A count for that day: an interaction sometime in it, at the latest at `t` itself.
      latest = Math.max(latest, Math.min(t, (day + 1) * DAY_MS - 1));
    }
  }
  return latest;
}

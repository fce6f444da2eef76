/**
 * PURE: a fan's activity tier (SPEC.md §2): `unsubscribed`, `new` (followed < 7 days ago),
 * `dormant` (no interaction for ≥ 30 days), else `active`.
 */
import type { ActivityTier, Fan } from './fan-model.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const NEW_FAN_DAYS = 7;
export const DORMANT_AFTER_DAYS = 30;

/** The tier of `fan` at `now`. */
export function activityOf(fan: Pick<Fan, 'subscribed' | 'subscribedAt' | 'lastSeenAt'>, now: Date): ActivityTier {
  if (!fan.subscribed) {
    return 'unsubscribed';
  }
  if (fan.subscribedAt && now.getTime() - fan.subscribedAt.getTime() < NEW_FAN_DAYS * DAY_MS) {
    return 'new';
  }
  if (now.getTime() - fan.lastSeenAt.getTime() >= DORMANT_AFTER_DAYS * DAY_MS) {
    return 'dormant';
  }
  return 'active';
}

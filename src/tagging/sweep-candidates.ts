/**
 * PURE: the fans a sweep at `now` must look at, given that the previous sweep with the same
 * rules ran at `since` — as a filter the fan indexes serve. A fan's sweep outcome depends only
 * on its document and the time, so it can differ from what the previous sweep left only if
 *   - the document changed since (`updatedAt`: a message, `/tag`, an import, a sync), or
 *   - a time boundary passed in between: the tier boundaries (NEW_FAN_DAYS after the follow,
 *     DORMANT_AFTER_DAYS after the last interaction) and every `idleDays`/`followedDays` bound
 *     of the rules, each a band of `lastSeenAt`/`subscribedAt` as wide as the time elapsed, or
 *   - a day ended: a `count` window dropped a day (fans seen within it), and day counts turned
 *     older than DAILY_RETENTION_DAYS (fans seen within that) must be pruned.
 * Every band is widened by a day at its far end, so rounding never leaves a fan out.
 */
import { DORMANT_AFTER_DAYS, NEW_FAN_DAYS } from '../fans/activity-of.js';
import { dayNumber } from '../fans/day-number.js';
import { DAILY_RETENTION_DAYS } from './plan-sweep.js';
import type { TagRule } from './rules.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * `updatedAt` is stamped by the clock of whichever instance wrote: writes this much before the
 * previous sweep started count as after it, so instances whose clocks differ lose no fan.
 */
const CLOCK_SKEW_MS = 10 * 60_000;

/** Both values, so the `{ subscribed, lastSeenAt }` index serves a `lastSeenAt` range alone. */
const ANY_SUBSCRIPTION = { $in: [true, false] };

/** The `$or` branches of fans that can change between `since` and `now` under `rules`. */
export function sweepCandidates(rules: readonly TagRule[], since: Date, now: Date): Record<string, unknown>[] {
  const idleBounds = new Set<number>([DORMANT_AFTER_DAYS]);
  const followBounds = new Set<number>([NEW_FAN_DAYS]);
  for (const { when } of rules) {
    addBounds(idleBounds, when.idleDays);
    addBounds(followBounds, when.followedDays);
  }
  const band = (days: number) => ({
    $gte: new Date(since.getTime() - (days + 1) * DAY_MS),
    $lte: new Date(now.getTime() - days * DAY_MS),
  });
  const branches: Record<string, unknown>[] = [{ updatedAt: { $gte: new Date(since.getTime() - CLOCK_SKEW_MS) } }];
  for (const days of idleBounds) {
    branches.push({ subscribed: ANY_SUBSCRIPTION, lastSeenAt: band(days) });
  }
  for (const days of followBounds) {
    branches.push({ subscribedAt: band(days) });
  }
  if (dayNumber(now) !== dayNumber(since)) {
    // Count windows are at most the retention (rules.ts), so this covers both.
    const seenSince = new Date(since.getTime() - (DAILY_RETENTION_DAYS + 1) * DAY_MS);
    branches.push({ subscribed: ANY_SUBSCRIPTION, lastSeenAt: { $gte: seenSince } });
  }
  return branches;
}

function addBounds(bounds: Set<number>, range: { atLeast?: number; atMost?: number } | undefined): void {
  for (const bound of [range?.atLeast, range?.atMost]) {
    if (bound !== undefined) {
      bounds.add(bound);
    }
  }
}

/**
 * PURE: the update the periodic sweep makes to one fan — activity tier, time-based rules
 * (new / active / dormant …), pruning of day counts older than any rule window, and the
 * history cap FerretDB does not enforce ($slice is ignored there). Null when nothing changes.
 */
import { activityOf } from '../fans/activity-of.js';
import { dayNumber } from '../fans/day-number.js';
import type { Fan } from '../fans/fan-model.js';
import { MAX_LINKS_VIEWED } from '../fans/fan-update.js';
import { evaluateRules } from './evaluate-rules.js';
import { mergeTags } from './merge-tags.js';
import type { TagRule } from './rules.js';

/** Day counts are kept this long (rule windows are ≤ 60 days). */
export const DAILY_RETENTION_DAYS = 60;

export type SweepFan = Pick<Fan, 'openId' | 'subscribed' | 'lastSeenAt'> &
  Partial<
    Pick<
      Fan,
      'subscribedAt' | 'tags' | 'tagsRev' | 'attributes' | 'activity' | 'daily' | 'linksViewed' | 'source' | 'location' | 'menuPaths'
    >
  >;

/** One update of the fan by exact `_id` (the only filter FerretDB 1.24 answers without a scan). */
export type SweepUpdate = {
  $set?: Record<string, unknown>;
  $unset?: Record<string, 1>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
  $pull?: Record<string, unknown>;
};

/**
 * The sweep's updates for `fan` at `now` (empty: nothing changes). Tags change by `$pull` of
 * the exact stored element and `$push` of new ones — never by rewriting the array — so a tag
 * a message adds to the same fan meanwhile is not lost, without a read-modify-write guard.
 */
export function planSweep(fan: SweepFan, rules: readonly TagRule[], now: Date): SweepUpdate[] {
  const set: Record<string, unknown> = {};
  const unset: Record<string, 1> = {};
  const tier = activityOf(fan, now);
  if (tier !== fan.activity) {
    set['activity'] = tier;
  }
  const tags = fan.tags ?? [];
  const outcome = evaluateRules(rules, { fan: { ...fan, tags, attributes: fan.attributes ?? {} }, now });
  for (const [key, value] of Object.entries(outcome.setAttributes)) {
    set[`attributes.${key}`] = value;
  }
  const merged = mergeTags(tags, outcome.add, outcome.remove, now);
  const tagsChanged = merged.added.length > 0 || merged.removed.length > 0;
  if (tagsChanged) {
    set['tagsDirty'] = true;
  }
  const oldest = dayNumber(now) - DAILY_RETENTION_DAYS;
  for (const day of Object.keys(fan.daily ?? {})) {
    if (Number(day) < oldest) {
      unset[`daily.${day}`] = 1;
    }
  }
  if ((fan.linksViewed?.length ?? 0) > MAX_LINKS_VIEWED) {
    set['linksViewed'] = fan.linksViewed!.slice(-MAX_LINKS_VIEWED);
  }
  if (Object.keys(set).length === 0 && Object.keys(unset).length === 0) {
    return [];
  }
  // $pull and $push on one array cannot share an update: removals go first, one each.
  const pulls: SweepUpdate[] = tags.filter((tag) => merged.removed.includes(tag.name)).map((tag) => ({ $pull: { tags: tag } }));
  const added = merged.tags.filter((tag) => merged.added.includes(tag.name));
  const main: SweepUpdate = {
    ...(Object.keys(set).length > 0 ? { $set: set } : {}),
    ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
    ...(tagsChanged ? { $inc: { tagsRev: 1 } } : {}),
    ...(added.length > 0 ? { $push: { tags: { $each: added } } } : {}),
  };
  return [...pulls, main];
}

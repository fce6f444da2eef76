/**
 * PURE: the update the periodic sweep makes to one fan — activity tier, time-based rules
 * (new / active / dormant …) and pruning of day counts older than any rule window. Null when
 * nothing changes.
 */
import { activityOf } from '../fans/activity-of.js';
import { dayNumber } from '../fans/day-number.js';
import type { Fan } from '../fans/fan-model.js';
import { evaluateRules } from './evaluate-rules.js';
import { applyTagChange, tagChangeOf } from './merge-tags.js';
import type { TagRule } from './rules.js';
import { literalValues, tagChangeStages, type UpdateStage } from './tag-change-update.js';

/** Day counts are kept this long (rule windows are ≤ 60 days). */
export const DAILY_RETENTION_DAYS = 60;

export type SweepFan = Pick<Fan, 'openId' | 'subscribed' | 'lastSeenAt'> &
  Partial<Pick<Fan, 'subscribedAt' | 'tags' | 'attributes' | 'activity' | 'daily' | 'source' | 'location' | 'menuPaths'>>;

/**
 * The sweep's update for `fan` at `now` as an update pipeline, or null when nothing changes.
 * Tags change through tagChangeStages — applied to the tags as they are when the write lands —
 * so a tag a message or an admin adds to the same fan meanwhile is not lost.
 */
export function planSweep(fan: SweepFan, rules: readonly TagRule[], now: Date): UpdateStage[] | null {
  const set: Record<string, unknown> = {};
  const tier = activityOf(fan, now);
  if (tier !== fan.activity) {
    set['activity'] = tier;
  }
  const tags = fan.tags ?? [];
  const outcome = evaluateRules(rules, { fan: { ...fan, tags, attributes: fan.attributes ?? {} }, now });
  for (const [key, value] of Object.entries(outcome.setAttributes)) {
    set[`attributes.${key}`] = value;
  }
  const change = tagChangeOf(outcome.add, outcome.remove, now);
  const merged = applyTagChange(tags, change);
  const tagsChange = merged.added.length > 0 || merged.removed.length > 0;
  const oldest = dayNumber(now) - DAILY_RETENTION_DAYS;
  const prune = Object.keys(fan.daily ?? {})
    .filter((day) => Number(day) < oldest)
    .map((day) => `daily.${day}`);
  if (!tagsChange && Object.keys(set).length === 0 && prune.length === 0) {
    return null;
  }
  const stages: UpdateStage[] = tagsChange
    ? tagChangeStages(change, set)
    : Object.keys(set).length > 0
      ? [{ $set: literalValues(set) }]
      : [];
  return prune.length > 0 ? [...stages, { $unset: prune }] : stages;
}

/**
 * PURE: which tag and attribute changes the rules make for one fan, given the interaction
 * (if any) and the time. No I/O; the caller persists the outcome (auto-tag middleware, sweep).
 */
import { activityOf } from '../fans/activity-of.js';
import { dayNumber } from '../fans/day-number.js';
import { safeKey, type Fan } from '../fans/fan-model.js';
import { ownValue } from '../lib/own-value.js';
import type { InboundMessage } from '../wechat/inbound.js';
import type { TagAddition } from './merge-tags.js';
import { RULE_REGEX_FLAGS, type Condition, type TagRule } from './rules.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The fan fields rules read. */
export type RuleFan = Pick<Fan, 'tags' | 'attributes' | 'subscribed' | 'lastSeenAt'> &
  Partial<Pick<Fan, 'source' | 'location' | 'menuPaths' | 'daily' | 'subscribedAt'>>;

export interface RuleInput {
  fan: RuleFan;
  /** The interaction being handled; absent in the periodic sweep. */
  message?: InboundMessage;
  now: Date;
}

export interface RuleOutcome {
  /** Tags to add (not already on the fan), with the rule that adds them. */
  add: (TagAddition & { ruleId: string })[];
  /** Tags to remove (currently on the fan). */
  remove: string[];
  /** Attributes whose value changes. */
  setAttributes: Record<string, string>;
  /** Ids of the rules whose conditions held. */
  matched: string[];
}

/** Evaluates `rules` in order; later actions win over earlier ones on the same tag. */
export function evaluateRules(rules: readonly TagRule[], input: RuleInput): RuleOutcome {
  // A freshly upserted document may lack the array/map defaults: treat missing as empty.
  const current = { ...input.fan, tags: input.fan.tags ?? [], attributes: input.fan.attributes ?? {} };
  const tags = new Map<string, string | null>(current.tags.map((tag) => [tag.name, null]));
  const attributes: Record<string, string> = { ...current.attributes };
  const matched: string[] = [];
  for (const rule of rules) {
    if (!matches(rule.when, { ...input, fan: { ...current, attributes } })) {
      continue;
    }
    matched.push(rule.id);
    for (const action of rule.do) {
      if ('addTag' in action) {
        if (!tags.has(action.addTag)) {
          tags.set(action.addTag, rule.id);
        }
      } else if ('removeTag' in action) {
        tags.delete(action.removeTag);
      } else {
        attributes[safeKey(action.setAttribute.name)] = action.setAttribute.value;
      }
    }
  }
  const before = new Set(current.tags.map((tag) => tag.name));
  const add = [...tags]
    .filter(([name, ruleId]) => ruleId !== null && !before.has(name))
    .map(([name, ruleId]) => ({ name, source: 'rule' as const, ruleId: ruleId! }));
  const remove = [...before].filter((name) => !tags.has(name));
  const setAttributes = Object.fromEntries(Object.entries(attributes).filter(([key, value]) => current.attributes[key] !== value));
  return { add, remove, setAttributes, matched };
}

/** True when every condition of `when` holds. */
export function matches(when: Condition, input: RuleInput): boolean {
  return (Object.keys(when) as (keyof Condition)[]).every((key) => CHECKS[key](when as never, input));
}

type Check = (when: Required<Condition>, input: RuleInput) => boolean;
const regexCache = new Map<string, RegExp>();

/**
 * The part of a fan's text rules see. Texts may be 256 KB; a merchant's regex over all of it
 * could backtrack for seconds even when it passed the load check (quadratic is allowed).
 */
export const RULE_TEXT_LIMIT = 2_000;

const textOf = (message?: InboundMessage): string =>
  (message?.kind === 'text' ? message.content : message?.kind === 'voice' ? (message.recognition ?? '') : '').slice(0, RULE_TEXT_LIMIT);
const inRange = (value: number, range: { atLeast?: number; atMost?: number }): boolean =>
  (range.atLeast === undefined || value >= range.atLeast) && (range.atMost === undefined || value <= range.atMost);
const sceneOf = (message?: InboundMessage): string | undefined =>
  message?.kind === 'subscribe' || message?.kind === 'scan' ? message.scene : undefined;

const CHECKS: Record<keyof Condition, Check> = {
  event: (w, { message }) => message !== undefined && w.event.includes(message.kind),
  keyword: (w, { message }) => {
    const text = textOf(message).toLowerCase();
    return text.length > 0 && w.keyword.some((word) => text.includes(word.toLowerCase()));
  },
  regex: (w, { message }) => {
    const regex = regexCache.get(w.regex) ?? new RegExp(w.regex, RULE_REGEX_FLAGS);
    regexCache.set(w.regex, regex);
    const text = textOf(message);
    return text.length > 0 && regex.test(text);
  },
  menuKey: (w, { message }) => message?.kind === 'menu_click' && w.menuKey.includes(message.eventKey),
  menuPath: (w, { fan }) => (ownValue(fan.menuPaths, safeKey(w.menuPath)) ?? 0) > 0,
  scene: (w, { fan, message }) => {
    const scene = sceneOf(message) ?? fan.source;
    return scene !== undefined && w.scene.includes(scene);
  },
  attribute: (w, { fan }) =>
    Object.entries(w.attribute).every(([key, wanted]) => {
      const value = ownValue(fan.attributes, safeKey(key));
      if (typeof wanted === 'boolean') {
        return (value !== undefined && value !== '') === wanted;
      }
      return value !== undefined && (Array.isArray(wanted) ? wanted.includes(value) : value === wanted);
    }),
  count: (w, { fan, now }) => {
    const today = dayNumber(now);
    let total = 0;
    for (let day = today - w.count.withinDays + 1; day <= today; day += 1) {
      total += ownValue(ownValue(fan.daily, String(day)), safeKey(w.count.of)) ?? 0;
    }
    return total >= w.count.atLeast;
  },
  idleDays: (w, { fan, now }) => inRange((now.getTime() - new Date(fan.lastSeenAt).getTime()) / DAY_MS, w.idleDays),
  followedDays: (w, { fan, now }) =>
    fan.subscribedAt !== undefined && inRange((now.getTime() - new Date(fan.subscribedAt).getTime()) / DAY_MS, w.followedDays),
  activity: (w, { fan, now }) => w.activity.includes(activityOf(fan, now)),
  location: (w, { fan }) => {
    const location = fan.location;
    if (!location) {
      return false;
    }
    if (w.location.region && !(location.region && w.location.region.includes(location.region))) {
      return false;
    }
    const box = w.location.box;
    return (
      !box ||
      (location.latitude >= box.south && location.latitude <= box.north && location.longitude >= box.west && location.longitude <= box.east)
    );
  },
  hasTag: (w, { fan }) => (fan.tags ?? []).some((tag) => w.hasTag.includes(tag.name)),
  lacksTag: (w, { fan }) => !(fan.tags ?? []).some((tag) => w.lacksTag.includes(tag.name)),
  subscribed: (w, { fan }) => fan.subscribed === w.subscribed,
};

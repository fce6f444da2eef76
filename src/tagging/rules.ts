/**
 * The auto-tagging rule language (templates/rules.yaml), as a zod schema: data, not code.
 * A rule holds when ALL its `when` conditions hold; then its `do` actions run in order.
 */
import { z } from 'zod';

/** The flags rule regexes are compiled with (evaluate-rules.ts) and checked with (regex-safety.ts). */
export const RULE_REGEX_FLAGS = 'iu';

const oneOrMany = <T extends z.ZodType>(item: T, what = 'a non-empty text') =>
  z
    .union([item, z.array(item).min(1)], { error: `must be ${what} or a list of them` })
    .transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
const name = z.string().trim().min(1, 'must not be empty').max(64, 'is longer than 64 characters');
const days = z
  .number({ error: 'must be a number of days' })
  .int('must be a whole number of days')
  .min(0, 'must be ≥ 0')
  .max(3650, 'must be ≤ 3650');
const range = z
  .strictObject({ atLeast: days.optional(), atMost: days.optional() })
  .refine((r) => r.atLeast !== undefined || r.atMost !== undefined, 'needs atLeast or atMost');

const validRegex = z
  .string()
  .min(1)
  .refine((source) => {
    try {
      new RegExp(source, RULE_REGEX_FLAGS);
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid regular expression');

const box = z
  .strictObject({
    south: z.number().min(-90).max(90),
    west: z.number().min(-180).max(180),
    north: z.number().min(-90).max(90),
    east: z.number().min(-180).max(180),
  })
  .refine((b) => b.south <= b.north && b.west <= b.east, 'needs south ≤ north and west ≤ east');

export const conditionSchema = z
  .strictObject({
    /** InboundMessage kinds, e.g. subscribe, text, menu_click, location. */
    event: oneOrMany(name).optional(),
    /** The text contains any of these (case-insensitive). */
    keyword: oneOrMany(name).optional(),
    regex: validRegex.optional(),
    /** The clicked menu key is one of these. */
    menuKey: oneOrMany(name).optional(),
    /** The fan clicked these keys in this order within one session, e.g. "NEW>SIZE". */
    menuPath: z
      .string()
      .regex(/^[^>]+(>[^>]+)+$/, 'must look like KEY_A>KEY_B')
      .optional(),
    /** The follow source (QR scene) is one of these. */
    scene: oneOrMany(name).optional(),
    /** attribute name → required value (text or list of accepted values), or true (present) / false (absent). */
    attribute: z.record(name, z.union([z.string(), z.array(z.string()).min(1), z.boolean()])).optional(),
    /** At least `atLeast` interactions of a kind (or `menu:KEY`) within the last `withinDays`. */
    count: z
      .strictObject({
        of: name,
        atLeast: z.number({ error: 'must be a number' }).int().min(1, 'must be ≥ 1'),
        withinDays: z
          .number({ error: 'must be a number of days' })
          .int()
          .min(1, 'must be ≥ 1')
          .max(60, 'must be ≤ 60 (daily counts are kept 60 days)'),
      })
      .optional(),
    idleDays: range.optional(),
    followedDays: range.optional(),
    activity: oneOrMany(z.enum(['new', 'active', 'dormant', 'unsubscribed']), 'new, active, dormant or unsubscribed').optional(),
    location: z.strictObject({ region: oneOrMany(name).optional(), box: box.optional() }).optional(),
    hasTag: oneOrMany(name).optional(),
    lacksTag: oneOrMany(name).optional(),
    subscribed: z.boolean().optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'needs at least one condition');

export const actionSchema = z.union(
  [
    z.strictObject({ addTag: name }),
    z.strictObject({ removeTag: name }),
    z.strictObject({ setAttribute: z.strictObject({ name, value: z.string().max(200) }) }),
  ],
  { error: 'must be one of addTag, removeTag or setAttribute' },
);

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be lower-case letters, digits, - or _ (it is shown in /fan)'),
  description: z.string().optional(),
  when: conditionSchema,
  do: z.array(actionSchema).min(1, 'needs at least one action'),
});

export const tagDefinitionSchema = z.strictObject({
  name,
  /** Mirror to a WeChat user tag (≤ 30 bytes, WECHAT.md §7.1). */
  sync: z.boolean().default(false),
  description: z.string().optional(),
});

export const ruleFileSchema = z.strictObject({
  tags: z.array(tagDefinitionSchema).default([]),
  interests: z.array(z.strictObject({ name, words: z.array(name).min(1) })).default([]),
  rules: z.array(ruleSchema).default([]),
});

export type Condition = z.output<typeof conditionSchema>;
export type RuleAction = z.output<typeof actionSchema>;
export type TagRule = z.output<typeof ruleSchema>;
export type RuleSet = z.output<typeof ruleFileSchema>;

/** Conditions that only an inbound message can satisfy (the sweep skips rules using them). */
export const MESSAGE_CONDITIONS = ['event', 'keyword', 'regex', 'menuKey'] as const;
/** Conditions that change with time alone (the periodic sweep evaluates these rules). */
export const TIME_CONDITIONS = ['count', 'idleDays', 'followedDays', 'activity'] as const;

/** True for rules the periodic sweep must run: time-based and not tied to a message. */
export function isTimeBased(rule: TagRule): boolean {
  const keys = Object.keys(rule.when);
  return (
    keys.some((k) => (TIME_CONDITIONS as readonly string[]).includes(k)) &&
    !keys.some((k) => (MESSAGE_CONDITIONS as readonly string[]).includes(k))
  );
}

/**
 * PURE: the RFM tiers of templates/rfm.yaml (recency, frequency, monetary) and the tier of a
 * fan's purchase facts at a given time. Tiers are checked from the top; the first whose
 * conditions all hold is the fan's. Recency makes a tier drift with time alone, which is why
 * a daily job re-evaluates them (jobs/refresh-rfm.ts).
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { parseYamlFile } from '../lib/yaml-file.js';
import type { PurchaseFacts } from '../fans/fan-model.js';

const DAY_MS = 86_400_000;
const days = z.number().int().min(1).max(3650);

const tierSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9-]{1,24}$/, 'must be lowercase letters, digits or -'),
    name: z.string().trim().min(1).max(16),
    lastWithinDays: days.optional(),
    lastOverDays: days.optional(),
    minOrders: z.number().int().min(1).optional(),
    maxOrders: z.number().int().min(1).optional(),
    minSpentYuan: z.number().min(0).optional(),
  })
  .strict();

const fileSchema = z.object({ tiers: z.array(tierSchema).min(1) }).strict();

export type RfmTier = z.infer<typeof tierSchema>;

/** Parses rfm.yaml text; throws ValidationError naming the tier and field. */
export function parseRfmTiers(text: string, file = 'rfm.yaml'): RfmTier[] {
  const parsed = fileSchema.safeParse(parseYamlFile(text, file) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    throw new ValidationError(`${file}: ${issue.path.join('.') || '(root)'} ${message}`);
  }
  const seen = new Set<string>();
  for (const [index, tier] of parsed.data.tiers.entries()) {
    for (const label of [tier.key, tier.name]) {
      if (seen.has(label)) {
        throw new ValidationError(`${file}: tiers.${index}: "${label}" is used by an earlier tier`);
      }
      seen.add(label);
    }
  }
  return parsed.data.tiers;
}

/** The key of the first tier `facts` fall in at `now`; undefined for a fan who never ordered. */
export function rfmTierOf(
  facts: Pick<PurchaseFacts, 'orders' | 'spentFen' | 'lastAt'>,
  tiers: readonly RfmTier[],
  now: Date,
): string | undefined {
  if (facts.orders <= 0 || !facts.lastAt) {
    return undefined;
  }
  const idleDays = (now.getTime() - facts.lastAt.getTime()) / DAY_MS;
  return tiers.find(
    (tier) =>
      (tier.lastWithinDays === undefined || idleDays <= tier.lastWithinDays) &&
      (tier.lastOverDays === undefined || idleDays > tier.lastOverDays) &&
      (tier.minOrders === undefined || facts.orders >= tier.minOrders) &&
      (tier.maxOrders === undefined || facts.orders <= tier.maxOrders) &&
      (tier.minSpentYuan === undefined || facts.spentFen >= Math.round(tier.minSpentYuan * 100)),
  )?.key;
}

/**
 * PURE: decides how a broadcast reaches each fan of its audience (SPEC.md §7, WECHAT.md §5.2,
 * §6). Fans inside their 48-hour window with allowance to spare get a customer-service
 * message (free of the monthly quota); the rest get mass send by OpenID list in as few calls
 * as possible (≤ 10,000 a call, ≥ 2), one group per distinct content; fans at their monthly
 * limit (or pushed too recently) are excluded; a group of one cannot be mass-sent and is
 * reported unreachable.
 */
import { MESSAGE_ALLOWANCE, MESSAGE_WINDOW_MS } from '../customer-service/send-customer-message.js';
import type { Fan } from '../fans/fan-model.js';

export const MASS_BATCH_MAX = 10_000;
export const MASS_BATCH_MIN = 2;
/** WeChat's per-fan limit for service accounts (WECHAT.md §6.1). */
export const MONTHLY_PUSH_LIMIT = 4;

export interface PlanFan {
  openId: string;
  csWindow?: Fan['csWindow'];
  massPushes?: Fan['massPushes'];
  /** Key of the content this fan gets by mass send (templates render per fan); '' when one content fits all. */
  variant?: string;
}

export interface PlanOptions {
  now: Date;
  /** 'YYYY-MM' in the configured time zone. */
  month: string;
  monthlyLimit?: number;
  /** Optional minimum time between two pushes to one fan. */
  minGapMs?: number;
  /** Allowance messages kept for the conversation: a fan needs more than this left. */
  csReserve: number;
  /** False for content customer-service messages cannot carry (mpnews). */
  customerService: boolean;
  batchSize?: number;
  /** The broadcast's holdout: fans it picks who would be reached are held out instead (no quota spent). */
  heldOut?: (openId: string) => boolean;
}

export interface MassBatchPlan {
  variant: string;
  openIds: string[];
  /** Set when the batch goes as one `mass/sendall` to this WeChat tag (tag-send.ts). */
  tag?: { name: string; tagId: number };
}

export interface DeliveryPlan {
  total: number;
  customer: string[];
  batches: MassBatchPlan[];
  quotaExcluded: string[];
  /** Fans left alone in their content group: mass send needs at least two. */
  unreachable: string[];
  /** Reachable fans deliberately not sent (the holdout the report compares against). */
  holdout: string[];
}

/** Splits the audience into customer-service fans, mass batches, excluded and unreachable. */
export function planDelivery(fans: Iterable<PlanFan>, options: PlanOptions): DeliveryPlan {
  const planner = deliveryPlanner(options);
  for (const fan of fans) {
    planner.add(fan);
  }
  return planner.finish();
}

export interface DeliveryPlanner {
  /** Sorts one fan into its part of the plan; keeps only its openid. */
  add(fan: PlanFan): void;
  /** The plan of every fan added, in the order added. */
  finish(): DeliveryPlan;
}

/**
 * planDelivery one fan at a time, for an audience read as a stream: each fan is sorted as it
 * arrives, so only openids are held, never the fans' records.
 */
export function deliveryPlanner(options: PlanOptions): DeliveryPlanner {
  const plan: DeliveryPlan = { total: 0, customer: [], batches: [], quotaExcluded: [], unreachable: [], holdout: [] };
  const groups = new Map<string, string[]>();
  return {
    add(fan) {
      plan.total += 1;
      const byCustomerService = options.customerService && canUseCustomerService(fan, options);
      // Only fans the push could reach are held out, so the holdout compares like with like.
      if (!byCustomerService && isQuotaBlocked(fan, options)) {
        plan.quotaExcluded.push(fan.openId);
      } else if (options.heldOut?.(fan.openId)) {
        plan.holdout.push(fan.openId);
      } else if (byCustomerService) {
        plan.customer.push(fan.openId);
      } else {
        const variant = fan.variant ?? '';
        const group = groups.get(variant);
        if (group) {
          group.push(fan.openId);
        } else {
          groups.set(variant, [fan.openId]);
        }
      }
    },
    finish() {
      for (const [variant, openIds] of groups) {
        if (openIds.length < MASS_BATCH_MIN) {
          plan.unreachable.push(...openIds);
          continue;
        }
        for (const batch of splitIntoBatches(openIds, options.batchSize ?? MASS_BATCH_MAX)) {
          plan.batches.push({ variant, openIds: batch });
        }
      }
      groups.clear();
      return plan;
    },
  };
}

/** Window open and more allowance left than the reserve kept for the conversation. */
export function canUseCustomerService(fan: PlanFan, options: Pick<PlanOptions, 'now' | 'csReserve'>): boolean {
  const window = fan.csWindow;
  if (!window?.messageAt || window.messageAt.getTime() <= options.now.getTime() - MESSAGE_WINDOW_MS) {
    return false;
  }
  return MESSAGE_ALLOWANCE - (window.messageUsed ?? 0) > options.csReserve;
}

/** At the monthly limit in `month`, or pushed within the minimum gap. */
export function isQuotaBlocked(fan: PlanFan, options: Pick<PlanOptions, 'now' | 'month' | 'monthlyLimit' | 'minGapMs'>): boolean {
  const pushes = fan.massPushes;
  if (!pushes) {
    return false;
  }
  if (pushes.month === options.month && pushes.count >= (options.monthlyLimit ?? MONTHLY_PUSH_LIMIT)) {
    return true;
  }
  const gap = options.minGapMs ?? 0;
  return gap > 0 && pushes.lastAt !== undefined && pushes.lastAt.getTime() > options.now.getTime() - gap;
}

/**
 * Fewest batches of at most `max`, filled in order; a last batch of one borrows a fan from
 * the one before, because WeChat refuses a list of one (40032).
 */
export function splitIntoBatches(openIds: readonly string[], max = MASS_BATCH_MAX): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < openIds.length; i += max) {
    batches.push(openIds.slice(i, i + max));
  }
  const last = batches.at(-1);
  const previous = batches.at(-2);
  if (last && previous && last.length < MASS_BATCH_MIN) {
    last.unshift(...previous.splice(previous.length - (MASS_BATCH_MIN - last.length)));
  }
  return batches;
}

/** How many mass-send calls the plan uses (each batch is one call). */
export function massCallsOf(plan: DeliveryPlan): number {
  return plan.batches.length;
}

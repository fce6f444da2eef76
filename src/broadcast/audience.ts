/**
 * The audience of a broadcast in the database: the compiled segment filter (or a product
 * series' own filter), quick counts for `/segment`, and the fan records the planner needs.
 */
import type { Connection, Types } from 'mongoose';
import { MESSAGE_ALLOWANCE, MESSAGE_WINDOW_MS } from '../customer-service/send-customer-message.js';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import { compileSegment, type SegmentFilter } from '../segments/compile-segment.js';
import { parseSegment } from '../segments/parse-segment.js';
import type { AudienceNumbers, Broadcast } from './broadcast-model.js';
import { canUseCustomerService, isQuotaBlocked, MASS_BATCH_MIN, type PlanFan } from './plan-delivery.js';

/** Quota rules fanhook applies on top of WeChat's (SPEC.md §7). */
export interface PushLimits {
  monthly: number;
  minGapMs: number;
  /** Customer-service allowance messages kept for the conversation. */
  csReserve: number;
  /** Most openids per mass-send call (≤ MASS_BATCH_MAX). */
  batchSize: number;
}

/** The fields planning and per-fan templates read. */
export const AUDIENCE_PROJECTION = { openId: 1, csWindow: 1, massPushes: 1, attributes: 1, source: 1, location: 1, tags: 1 } as const;
export type AudienceFan = { _id: Types.ObjectId } & Pick<
  Fan,
  'openId' | 'csWindow' | 'massPushes' | 'attributes' | 'source' | 'location' | 'tags'
>;

/** The Mongo filter of a broadcast's audience at `now` (always subscribed fans only). */
export function audienceFilterOf(broadcast: Pick<Broadcast, 'expr' | 'system'>, now: Date): SegmentFilter {
  const system = broadcast.system;
  if (system?.kind === 'birthday') {
    // Birthdays are collected as YYYY-MM-DD or MM-DD; match the month and day at the end.
    return { subscribed: true, 'attributes.birthday': { $regex: `(^|[^0-9])${system.monthDay}$` } };
  }
  if (system?.kind === 'welcome') {
    return { subscribed: true, subscribedAt: { $gte: system.from, $lt: system.to } };
  }
  return compileSegment(parseSegment(broadcast.expr), now);
}

/** Fans inside their 48-hour window with more allowance left than the reserve. */
export function customerServiceCondition(now: Date, limits: PushLimits): SegmentFilter {
  return {
    'csWindow.messageAt': { $gt: new Date(now.getTime() - MESSAGE_WINDOW_MS) },
    'csWindow.messageUsed': { $lt: MESSAGE_ALLOWANCE - limits.csReserve },
  };
}

/** Fans at the monthly limit in `month`, or pushed within the minimum gap. */
export function quotaBlockedCondition(now: Date, month: string, limits: PushLimits): SegmentFilter {
  const atLimit = { 'massPushes.month': month, 'massPushes.count': { $gte: limits.monthly } };
  if (limits.minGapMs <= 0) {
    return atLimit;
  }
  return { $or: [atLimit, { 'massPushes.lastAt': { $gt: new Date(now.getTime() - limits.minGapMs) } }] };
}

export interface SegmentCount extends AudienceNumbers {
  samples: Pick<Fan, 'openId' | 'lastSeenAt' | 'tags' | 'source'>[];
}

/**
 * Counts for `/segment` in one pass over the audience with a narrow projection, applying the
 * planner's own rules so the numbers match what a broadcast would do. One scan, not one count
 * query per number: FerretDB evaluates such filters by scanning, so each extra count would
 * cost a full pass; on MongoDB the indexed filter keeps the pass small.
 */
export async function countAudience(props: {
  connection: Connection;
  filter: SegmentFilter;
  now: Date;
  month: string;
  limits: PushLimits;
}): Promise<SegmentCount> {
  const projection = { openId: 1, csWindow: 1, massPushes: 1, lastSeenAt: 1, tags: 1, source: 1 };
  const counts = { total: 0, customer: 0, quotaExcluded: 0 };
  const samples: SegmentCount['samples'] = [];
  const rules = {
    now: props.now,
    month: props.month,
    monthlyLimit: props.limits.monthly,
    minGapMs: props.limits.minGapMs,
    csReserve: props.limits.csReserve,
  };
  for await (const fan of getFanModel(props.connection)
    .find(props.filter, projection)
    .lean<SegmentCount['samples'][number] & PlanFan>()
    .cursor()) {
    counts.total += 1;
    if (samples.length < 3) {
      samples.push(fan);
    }
    if (canUseCustomerService(fan, rules)) {
      counts.customer += 1;
    } else if (isQuotaBlocked(fan, rules)) {
      counts.quotaExcluded += 1;
    }
  }
  const massable = counts.total - counts.customer - counts.quotaExcluded;
  const unreachable = massable > 0 && massable < MASS_BATCH_MIN ? massable : 0;
  const mass = massable - unreachable;
  return { ...counts, mass, massCalls: Math.ceil(mass / props.limits.batchSize), unreachable, samples };
}

/**
 * Every fan of the audience with the fields the planner and templates need, one at a time: the
 * planner keeps only what it needs of each (openid, window, quota, content variant), so a big
 * audience is never held whole (1,000,000 fans: 675 MiB peak when it was).
 */
export function streamAudience(connection: Connection, filter: SegmentFilter): AsyncIterable<AudienceFan> {
  return getFanModel(connection)
    .find(filter, AUDIENCE_PROJECTION)
    .lean<AudienceFan[]>()
    .cursor({ batchSize: 1000 }) as AsyncIterable<AudienceFan>;
}

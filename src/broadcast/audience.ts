/**
 * The audience of a broadcast in the database: the compiled segment filter (or a product
 * series' own filter), quick counts for `/segment`, and the fan records the planner needs.
 */
import type { Connection } from 'mongoose';
import { MESSAGE_ALLOWANCE, MESSAGE_WINDOW_MS } from '../customer-service/send-customer-message.js';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import { compileSegment, type SegmentFilter } from '../segments/compile-segment.js';
import { parseSegment } from '../segments/parse-segment.js';
import type { AudienceNumbers, Broadcast } from './broadcast-model.js';
import { MASS_BATCH_MIN } from './plan-delivery.js';

/** Quota rules fanhook applies on top of WeChat's (SPEC.md §7). */
export interface PushLimits {
  monthly: number;
  minGapMs: number;
  /** Customer-service allowance messages kept for the conversation. */
  csReserve: number;
  /** Most openids per mass-send call (≤ MASS_BATCH_MAX). */
  batchSize: number;
}

/** The fields a customer-service batch reads to render each fan's message (send-customer-batch.ts). */
export const AUDIENCE_PROJECTION = { openId: 1, csWindow: 1, massPushes: 1, attributes: 1, source: 1, location: 1, tags: 1 } as const;
export type AudienceFan = Pick<Fan, 'openId' | 'csWindow' | 'massPushes' | 'attributes' | 'source' | 'location' | 'tags'>;

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

/** Fans inside their 48-hour window with more allowance left than the reserve (canUseCustomerService). */
export function customerServiceCondition(now: Date, limits: PushLimits): SegmentFilter {
  return {
    'csWindow.messageAt': { $gt: new Date(now.getTime() - MESSAGE_WINDOW_MS) },
    // `$not $gte` also matches a window with no count yet, as the planner's `?? 0` does.
    'csWindow.messageUsed': { $not: { $gte: MESSAGE_ALLOWANCE - limits.csReserve } },
  };
}

/** Fans at the monthly limit in `month`, or pushed within the minimum gap (isQuotaBlocked). */
export function quotaBlockedCondition(now: Date, month: string, limits: PushLimits): SegmentFilter {
  const atLimit = { 'massPushes.month': month, 'massPushes.count': { $gte: limits.monthly } };
  if (limits.minGapMs <= 0) {
    return atLimit;
  }
  return { $or: [atLimit, { 'massPushes.lastAt': { $gt: new Date(now.getTime() - limits.minGapMs) } }] };
}

type SampleFan = Pick<Fan, 'openId' | 'lastSeenAt' | 'tags' | 'source'>;

export interface SegmentCount extends AudienceNumbers {
  samples: SampleFan[];
}

/**
 * Counts for `/segment`: the indexed segment filter, split by the planner's own rules (the
 * query conditions above), so the numbers match what a broadcast would do. One pass: the
 * segment's indexes find the matching fans once, and a `$facet` counts the whole audience and
 * the two splits of it from the window and quota fields alone — three separate counts would
 * each find and read the same fans again. The samples are read beside it.
 */
export async function countAudience(props: {
  connection: Connection;
  filter: SegmentFilter;
  now: Date;
  month: string;
  limits: PushLimits;
}): Promise<SegmentCount> {
  const customer = customerServiceCondition(props.now, props.limits);
  const quotaBlocked = quotaBlockedCondition(props.now, props.month, props.limits);
  const fans = getFanModel(props.connection);
  const [[split], samples] = await Promise.all([
    fans.aggregate<Record<'total' | 'inWindow' | 'quotaExcluded', { n: number }[]>>([
      { $match: props.filter },
      { $project: { _id: 0, csWindow: 1, massPushes: 1 } },
      {
        $facet: {
          total: [{ $count: 'n' }],
          inWindow: [{ $match: customer }, { $count: 'n' }],
          quotaExcluded: [{ $match: { $and: [{ $nor: [customer] }, quotaBlocked] } }, { $count: 'n' }],
        },
      },
    ]),
    fans.find(props.filter, { _id: 0, openId: 1, lastSeenAt: 1, tags: 1, source: 1 }).limit(3).lean<SampleFan[]>(),
  ]);
  // `$count` yields no document at all when nothing is left to count.
  const countOf = (facet: 'total' | 'inWindow' | 'quotaExcluded'): number => split?.[facet][0]?.n ?? 0;
  const [total, inWindow, quotaExcluded] = [countOf('total'), countOf('inWindow'), countOf('quotaExcluded')];
  const massable = total - inWindow - quotaExcluded;
  const unreachable = massable > 0 && massable < MASS_BATCH_MIN ? massable : 0;
  const mass = massable - unreachable;
  return { total, customer: inWindow, quotaExcluded, mass, massCalls: Math.ceil(mass / props.limits.batchSize), unreachable, samples };
}

/**
 * What planning reads of each fan: the openid, the 48-hour window's clock and count, and this
 * month's push count and last push — not the batch keys beside the count, which only the
 * reservation needs.
 */
export const PLAN_PROJECTION = {
  openId: 1,
  'csWindow.messageAt': 1,
  'csWindow.messageUsed': 1,
  'massPushes.month': 1,
  'massPushes.count': 1,
  'massPushes.lastAt': 1,
} as const;
/** What a per-fan template may show besides (resolveContent), read only for template content. */
const TEMPLATE_FIELDS = { attributes: 1, source: 1, 'location.region': 1, 'tags.name': 1 } as const;

export interface StreamAudienceOptions {
  /** `plan`: PLAN_PROJECTION; `template`: also what a template renders; `openId`: the openid alone. */
  fields: 'plan' | 'template' | 'openId';
}

const PROJECTIONS = {
  plan: PLAN_PROJECTION,
  template: { ...PLAN_PROJECTION, ...TEMPLATE_FIELDS },
  openId: { openId: 1 },
} as const;

/**
 * Every fan of the audience with the fields asked for, one at a time: the planner keeps only
 * what it needs of each (openid, window, quota, content variant), so a big audience is never
 * held whole in memory. In `_id` order, so the same fans give the same plan each time it is
 * made. (The order also matters on the local engine: there a read served by an index and
 * returned unordered resumes its scan from the start at every batch, an ordered one does not.)
 */
export function streamAudience(connection: Connection, filter: SegmentFilter, options: StreamAudienceOptions): AsyncIterable<AudienceFan> {
  return getFanModel(connection)
    .find(filter, PROJECTIONS[options.fields])
    .sort({ _id: 1 })
    .lean<AudienceFan[]>()
    .cursor({ batchSize: 1000 }) as AsyncIterable<AudienceFan>;
}

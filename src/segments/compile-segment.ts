/**
 * PURE: compiles a segment tree into a MongoDB filter over the Fan collection. The output
 * uses a fixed set of field paths (all indexed, see fan-model.ts) and operators; user text
 * only ever lands in a value position, as a plain string or an escaped, anchored regex. Only
 * subscribed fans are ever targeted (SPEC.md §6). Every result is checked by
 * `assertSafeSegmentFilter` before it leaves this module.
 */
import { safeKey } from '../fans/fan-model.js';
import type { AmountOp, SegmentNode } from './segment-ast.js';

export type SegmentFilter = Record<string, unknown>;

const HOUR_MS = 3_600_000;
const FIXED_FIELDS = new Set([
  'subscribed',
  'tags.name',
  'source',
  'location.region',
  'lastSeenAt',
  'subscribedAt',
  'purchases.skus',
  'purchases.names',
  'purchases.orders',
  'purchases.spentFen',
  'purchases.lastAt',
  'purchases.rfm',
  'clickedBroadcasts',
]);
const ATTR_FIELD = /^attributes\.[\p{L}\p{N}_-]{1,64}$/u;
const LOGICAL = new Set(['$and', '$or', '$nor']);
const COMPARISONS = new Set(['$eq', '$gt', '$gte', '$lt', '$lte', '$regex']);
const AMOUNT_OPERATORS: Record<AmountOp, string> = { '>': '$gt', '>=': '$gte', '<': '$lt', '<=': '$lte', '=': '$eq' };

/** The filter selecting subscribed fans matching `node` at `now`. */
export function compileSegment(node: SegmentNode, now: Date): SegmentFilter {
  const body = compileNode(node, now.getTime());
  const filter = body ? { $and: [{ subscribed: true }, body] } : { subscribed: true };
  assertSafeSegmentFilter(filter);
  return filter;
}

/** Null means "every fan" (the `all` atom), so it can be dropped from an AND. */
function compileNode(node: SegmentNode, now: number): SegmentFilter | null {
  switch (node.type) {
    case 'all':
      return null;
    case 'tag':
      return { 'tags.name': { $eq: node.name } };
    case 'attr':
      return { [`attributes.${safeKey(node.key)}`]: { $eq: node.value } };
    case 'source':
      return { source: { $eq: node.value } };
    case 'region':
      // Regions are stored as province names ("浙江省"); a prefix match lets `region:浙江` work.
      return { 'location.region': { $regex: `^${escapeRegex(node.value)}` } };
    case 'recency':
      return compileRecency(node, now);
    case 'bought':
      // A SKU or an item name: two equalities, each on its own multikey index.
      return { $or: [buyer({ 'purchases.skus': { $eq: node.value } }), buyer({ 'purchases.names': { $eq: node.value } })] };
    case 'orders':
      return orNeverOrdered(node.op, node.count, { 'purchases.orders': { [AMOUNT_OPERATORS[node.op]]: node.count } });
    case 'spent':
      return orNeverOrdered(node.op, node.fen, buyer({ 'purchases.spentFen': { [AMOUNT_OPERATORS[node.op]]: node.fen } }));
    case 'never-ordered':
      return NEVER_ORDERED;
    case 'rfm':
      return buyer({ 'purchases.rfm': { $eq: node.tier } });
    case 'clicked':
      return { clickedBroadcasts: { $eq: node.broadcast } };
    case 'not': {
      const inner = compileNode(node.expr, now);
      // NOT all matches nobody: a filter no document satisfies.
      return inner ? { $nor: [inner] } : { subscribed: { $eq: '__never__' } };
    }
    case 'and': {
      const items = node.items.map((item) => compileNode(item, now)).filter((item): item is SegmentFilter => item !== null);
      return items.length === 0 ? null : items.length === 1 ? items[0]! : { $and: items };
    }
    case 'or': {
      const items = node.items.map((item) => compileNode(item, now));
      return items.some((item) => item === null) ? null : { $or: items as SegmentFilter[] };
    }
  }
}

function compileRecency(node: Extract<SegmentNode, { type: 'recency' }>, now: number): SegmentFilter {
  const cutoff = new Date(now - node.hours * HOUR_MS);
  // active<7d and idle<7d both mean "seen within 7 days"; '>' means "not since then".
  const condition = node.op === '<' ? { $gt: cutoff } : { $lt: cutoff };
  if (node.metric === 'ordered') {
    return buyer({ 'purchases.lastAt': condition });
  }
  return { [node.metric === 'followed' ? 'subscribedAt' : 'lastSeenAt']: condition };
}

/** Fans with no order; those stored before purchase facts existed have no `purchases` at all and count too. */
const NEVER_ORDERED: SegmentFilter = { $nor: [{ 'purchases.orders': { $gt: 0 } }] };

/**
 * A condition on a buyer's facts, with `purchases.orders > 0` beside it: true of every fan
 * the condition can match, and what lets the planner use the partial (buyers-only) index.
 */
function buyer(condition: SegmentFilter): SegmentFilter {
  return { 'purchases.orders': { $gt: 0 }, ...condition };
}

const ZERO_SATISFIES: Record<AmountOp, (amount: number) => boolean> = {
  '>': (amount) => 0 > amount,
  '>=': (amount) => 0 >= amount,
  '<': (amount) => 0 < amount,
  '<=': (amount) => 0 <= amount,
  '=': (amount) => amount === 0,
};

/** A comparison that 0 satisfies (`orders<2`, `spent<100`) also holds for every fan who never ordered. */
function orNeverOrdered(op: AmountOp, amount: number, condition: SegmentFilter): SegmentFilter {
  return ZERO_SATISFIES[op](amount) ? { $or: [condition, NEVER_ORDERED] } : condition;
}

/** Escapes every regex metacharacter so user text matches literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Throws unless `filter` uses only the known field paths and operators, with plain values.
 * A guard against compiler bugs: user text can never become an operator or a path.
 */
export function assertSafeSegmentFilter(filter: unknown): void {
  if (!isPlainObject(filter)) {
    throw new Error('segment filter must be an object');
  }
  for (const [key, value] of Object.entries(filter)) {
    if (LOGICAL.has(key)) {
      if (!Array.isArray(value) || value.length === 0) {
        throw new Error(`${key} needs a non-empty array`);
      }
      value.forEach(assertSafeSegmentFilter);
    } else if (FIXED_FIELDS.has(key) || ATTR_FIELD.test(key)) {
      assertSafeCondition(key, value);
    } else {
      throw new Error(`field ${JSON.stringify(key)} is not allowed in a segment filter`);
    }
  }
}

function assertSafeCondition(field: string, value: unknown): void {
  if (isScalar(value)) {
    return;
  }
  if (!isPlainObject(value)) {
    throw new Error(`bad condition on ${field}`);
  }
  for (const [op, operand] of Object.entries(value)) {
    if (!COMPARISONS.has(op) || !isScalar(operand) || (op === '$regex' && typeof operand !== 'string')) {
      throw new Error(`operator ${JSON.stringify(op)} is not allowed on ${field}`);
    }
  }
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value) || value instanceof Date;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

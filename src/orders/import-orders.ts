/**
 * Command: stores a batch of order rows and brings the buyers' purchase facts up to date.
 * Shared by `POST /api/orders` and `npm run import-orders`. Rows go a thousand at a time:
 * check each row, read the stored orders with those ids (one `_id $in`), write the new ones
 * (one unordered insertMany) and the changed ones (replaced by id). Then the facts of every
 * fan those orders name are recomputed once: a fan with ten orders in the export is written
 * once, not ten times (fan writes are the dear part; each maintains the fans' indexes).
 * A refused row never stops the good ones; an order whose fan is not known yet is stored as
 * it is and joined when the fan appears (join-orders.ts).
 */
import type { Connection } from 'mongoose';
import { insertOutcomes } from '../db/write-errors.js';
import { getFanModel } from '../fans/fan-model.js';
import { chunksOf, IDS_PER_LOOKUP } from '../db/update-chunks.js';
import type { Clock } from '../lib/clock.js';
import { checkOrder, sameOrderContent, type OrderContent } from './order-input.js';
import { getOrderModel, type Order } from './order-model.js';
import type { OrderRow } from './read-order-rows.js';
import { recomputePurchases } from './recompute-purchases.js';
import type { RfmTier } from './rfm-tiers.js';

export interface ImportOrdersDeps {
  connection: Connection;
  clock: Clock;
  /** Time zone of paid-at times written without an offset (a spreadsheet's local time). */
  timezone: string;
  /** The RFM tiers in use (reloadable). */
  tiers: () => readonly RfmTier[];
}

export interface RefusedRow {
  /** 0-based position of the row in the upload (array element, NDJSON line or CSV order). */
  index: number;
  /** 1-based line in the body or file where the row starts (NDJSON and CSV). */
  line?: number;
  reason: string;
}

export interface ImportReport {
  /** Orders stored: new ones plus changed ones (`updated` of them). */
  accepted: number;
  updated: number;
  /** Orders already stored with the same content (a re-sent export). */
  unchanged: number;
  refused: number;
  refusedRows: RefusedRow[];
}

/** The buyers named by the orders written, whose facts are recomputed at the end. */
interface Buyers {
  openIds: Set<string>;
  unionIds: Set<string>;
}

/** Imports `rows`; `onProgress` hears how many rows are stored after each thousand. */
export async function importOrders(
  deps: ImportOrdersDeps,
  rows: readonly OrderRow[],
  onProgress?: (done: number) => void,
): Promise<ImportReport> {
  const report: ImportReport = { accepted: 0, updated: 0, unchanged: 0, refused: 0, refusedRows: [] };
  const buyers: Buyers = { openIds: new Set(), unionIds: new Set() };
  let done = 0;
  for (const chunk of chunksOf(rows, IDS_PER_LOOKUP)) {
    await importChunk(deps, chunk, report, buyers);
    done += chunk.length;
    onProgress?.(done);
  }
  if (buyers.openIds.size + buyers.unionIds.size > 0) {
    const [openIds, unionIds] = [[...buyers.openIds], [...buyers.unionIds]];
    await recomputePurchases({ connection: deps.connection, tiers: deps.tiers(), now: deps.clock.now(), openIds, unionIds });
  }
  report.refused = report.refusedRows.length;
  return report;
}

async function importChunk(deps: ImportOrdersDeps, rows: readonly OrderRow[], report: ImportReport, buyers: Buyers): Promise<void> {
  // The last row of an order id in the chunk wins, as it would when sent one after another.
  const pending = new Map<string, OrderContent>();
  for (const row of rows) {
    const check = 'unreadable' in row ? { ok: false as const, reason: row.unreadable } : checkOrder(row.raw, deps.timezone);
    if (!check.ok) {
      report.refusedRows.push({ index: row.index, ...(row.line ? { line: row.line } : {}), reason: check.reason });
      continue;
    }
    const earlier = pending.get(check.order._id);
    if (earlier && sameOrderContent(earlier, check.order)) {
      report.unchanged += 1;
      continue;
    }
    pending.set(check.order._id, check.order);
  }
  if (pending.size === 0) {
    return;
  }
  await learnUnionIds(deps.connection, [...pending.values()]);
  const orders = await withKnownOpenIds(deps.connection, [...pending.values()]);
  const stored = await storedOrders(deps.connection, orders);
  const now = deps.clock.now();
  const fresh: Order[] = [];
  const changed: Order[] = [];
  for (const order of orders) {
    const before = stored.get(order._id);
    if (before && sameOrderContent(withoutReceivedAt(before), order)) {
      report.unchanged += 1;
      continue;
    }
    report.accepted += 1;
    report.updated += before ? 1 : 0;
    (before ? changed : fresh).push({ ...order, receivedAt: before?.receivedAt ?? now });
    for (const side of before ? [before, order] : [order]) {
      if (side.openId) {
        buyers.openIds.add(side.openId);
      } else if (side.unionId) {
        buyers.unionIds.add(side.unionId);
      }
    }
  }
  await storeOrders(deps.connection, fresh, changed);
}

/**
 * New orders go in one unordered insertMany (the cheap write); changed ones, and new ones
 * another import stored meanwhile (the unique `_id` refused them), are replaced by id.
 */
async function storeOrders(connection: Connection, fresh: Order[], changed: Order[]): Promise<void> {
  const orders = getOrderModel(connection);
  const outcomes =
    fresh.length > 0 ? await insertOutcomes(fresh.length, 'order', () => orders.insertMany(fresh, { ordered: false, lean: true })) : [];
  const failed = outcomes.find((outcome): outcome is Error => outcome instanceof Error);
  if (failed) {
    throw failed;
  }
  const replacements = [...changed, ...fresh.filter((_, i) => outcomes[i] === 'duplicate')];
  if (replacements.length > 0) {
    await orders.bulkWrite(
      replacements.map((order) => ({ replaceOne: { filter: { _id: order._id }, replacement: order, upsert: true } })),
      { ordered: false },
    );
  }
}

/**
 * An order that names both ids tells which fan a unionid belongs to; the fan keeps it, so
 * later orders that carry only the unionid (another shop of the same Open Platform account)
 * find their fan.
 */
async function learnUnionIds(connection: Connection, orders: OrderContent[]): Promise<void> {
  const pairs = new Map(orders.flatMap((order) => (order.openId && order.unionId ? [[order.openId, order.unionId] as const] : [])));
  if (pairs.size === 0) {
    return;
  }
  await getFanModel(connection).bulkWrite(
    [...pairs].map(([openId, unionId]) => ({
      updateOne: { filter: { openId, unionId: { $exists: false } }, update: { $set: { unionId } } },
    })),
    { ordered: false },
  );
}

/** Orders that name only a unionid get the openid of the fan already known by it. */
async function withKnownOpenIds(connection: Connection, orders: OrderContent[]): Promise<OrderContent[]> {
  const unionIds = [...new Set(orders.flatMap((order) => (!order.openId && order.unionId ? [order.unionId] : [])))];
  if (unionIds.length === 0) {
    return orders;
  }
  const fans = await getFanModel(connection)
    .find({ unionId: { $in: unionIds } }, { openId: 1, unionId: 1 })
    .lean();
  const openIdOf = new Map(fans.map((fan) => [fan.unionId!, fan.openId]));
  return orders.map((order) => {
    const openId = !order.openId && order.unionId ? openIdOf.get(order.unionId) : undefined;
    return openId ? { ...order, openId } : order;
  });
}

async function storedOrders(connection: Connection, orders: OrderContent[]): Promise<Map<string, Order>> {
  const found = await getOrderModel(connection)
    .find({ _id: { $in: orders.map((order) => order._id) } })
    .lean<Order[]>();
  return new Map(found.map((order) => [order._id, order]));
}

function withoutReceivedAt(order: Order): OrderContent {
  const { receivedAt: _receivedAt, ...content } = order;
  return content;
}

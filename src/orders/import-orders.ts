/**
 * Command: stores a batch of order rows and brings the buyers' purchase facts up to date.
 * Shared by `POST /api/orders` and `npm run import-orders`. Every row is checked first
 * (plan-import.ts); the orders are then stored a thousand at a time, grouped by buyer: read
 * the stored orders with those ids (one `_id $in`), write the new ones (one unordered
 * insertMany) and the changed ones (replaced by id). As soon as all of a buyer's orders are
 * stored, the buyer's facts are recomputed from the orders (recompute-purchases.ts), while the
 * next buyers' orders are being stored: a fan with ten orders in the export is written once,
 * not ten times, and only when its facts changed (fan writes are the dear part; each maintains
 * every fan index). A refused row never stops the good ones; an order whose fan is not known
 * yet is stored as it is and joined when the fan appears (join-orders.ts).
 */
import type { Connection } from 'mongoose';
import { insertOutcomes } from '../db/write-errors.js';
import { getFanModel } from '../fans/fan-model.js';
import { chunksOf, IDS_PER_LOOKUP } from '../db/update-chunks.js';
import type { Clock } from '../lib/clock.js';
import { sameOrderContent, type OrderContent } from './order-input.js';
import { getOrderModel, type Order } from './order-model.js';
import { buyerKeyOf, inBuyerOrder, planImport, type PlannedOrder, type RefusedRow } from './plan-import.js';
import type { OrderRow } from './read-order-rows.js';
import { PurchaseRecompute } from './recompute-purchases.js';
import type { RfmTier } from './rfm-tiers.js';

export interface ImportOrdersDeps {
  connection: Connection;
  clock: Clock;
  /** Time zone of paid-at times written without an offset (a spreadsheet's local time). */
  timezone: string;
  /** The RFM tiers in use (reloadable). */
  tiers: () => readonly RfmTier[];
}

export type { RefusedRow };

export interface ImportReport {
  /** Orders stored: new ones plus changed ones (`updated` of them). */
  accepted: number;
  updated: number;
  /** Orders already stored with the same content (a re-sent export). */
  unchanged: number;
  refused: number;
  refusedRows: RefusedRow[];
}

/** Imports `rows`; `onProgress` hears how many rows are done after each thousand orders stored. */
export async function importOrders(
  deps: ImportOrdersDeps,
  rows: readonly OrderRow[],
  onProgress?: (done: number) => void,
): Promise<ImportReport> {
  const plan = planImport(rows, deps.timezone);
  const report: ImportReport = { accepted: 0, updated: 0, unchanged: 0, refused: plan.refusedRows.length, refusedRows: plan.refusedRows };
  for (const chunk of chunksOf(plan.orders, IDS_PER_LOOKUP)) {
    await learnUnionIds(
      deps.connection,
      chunk.map((order) => order.last),
    );
  }
  const planned: PlannedOrder[] = [];
  for (const chunk of chunksOf(plan.orders, IDS_PER_LOOKUP)) {
    planned.push(...(await withKnownOpenIds(deps.connection, chunk)));
  }
  const chunks = chunksOf(inBuyerOrder(planned), IDS_PER_LOOKUP);
  // The chunk holding each buyer's last order: once it is stored, the buyer's facts can be recomputed.
  const lastChunk = new Map<string, number>();
  chunks.forEach((chunk, i) => chunk.forEach((order) => lastChunk.set(buyerKeyOf(order.last), i)));
  const facts = new PurchaseRecompute({ connection: deps.connection, tiers: deps.tiers(), now: deps.clock.now() });
  const touched = new Set<string>();
  // Buyers that a changed order no longer names: recomputed once every order is stored.
  const formerBuyers = new Set<string>();
  let done = rows.length - plan.orders.length;
  try {
    for (const [i, chunk] of chunks.entries()) {
      await importChunk(deps, chunk, report, { touched, formerBuyers });
      const finished = [...touched].filter((key) => lastChunk.get(key)! <= i);
      finished.forEach((key) => touched.delete(key));
      addBuyers(facts, finished);
      done += chunk.length;
      onProgress?.(done);
    }
  } catch (error) {
    // The orders stored before the failure still count: their buyers get their facts.
    addBuyers(facts, [...touched, ...formerBuyers]);
    await facts.finish().catch(() => undefined);
    throw error;
  }
  if (chunks.length === 0) {
    onProgress?.(done);
  }
  addBuyers(facts, [...touched, ...formerBuyers]);
  await facts.finish();
  return report;
}

function addBuyers(facts: PurchaseRecompute, keys: string[]): void {
  facts.add(
    keys.flatMap((key) => (key.startsWith('o:') ? [key.slice(2)] : [])),
    keys.flatMap((key) => (key.startsWith('u:') ? [key.slice(2)] : [])),
  );
}

async function importChunk(
  deps: ImportOrdersDeps,
  chunk: readonly PlannedOrder[],
  report: ImportReport,
  buyers: { touched: Set<string>; formerBuyers: Set<string> },
): Promise<void> {
  const stored = await storedOrders(
    deps.connection,
    chunk.map((order) => order.last),
  );
  const now = deps.clock.now();
  const fresh: Order[] = [];
  const changed: Order[] = [];
  for (const { first, last, changes, repeats } of chunk) {
    const before = stored.get(last._id);
    const content = before ? withoutReceivedAt(before) : undefined;
    // Counted as if the rows had come one after another: the first against what was stored, each later one against the row before it.
    const firstUnchanged = content !== undefined && sameOrderContent(content, first);
    if (firstUnchanged) {
      report.unchanged += 1;
    } else {
      report.accepted += 1;
      report.updated += before ? 1 : 0;
    }
    report.accepted += changes;
    report.updated += changes;
    report.unchanged += repeats;
    if (content && (last === first ? firstUnchanged : sameOrderContent(content, last))) {
      continue;
    }
    (before ? changed : fresh).push({ ...last, receivedAt: before?.receivedAt ?? now });
    buyers.touched.add(buyerKeyOf(last));
    if (before && buyerKeyOf(before) !== buyerKeyOf(last)) {
      buyers.formerBuyers.add(buyerKeyOf(before));
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

/** Orders that name only a unionid get the openid of the fan already known by it (every version, so they compare alike). */
async function withKnownOpenIds(connection: Connection, orders: PlannedOrder[]): Promise<PlannedOrder[]> {
  const unionIds = [...new Set(orders.flatMap(({ last }) => (!last.openId && last.unionId ? [last.unionId] : [])))];
  if (unionIds.length === 0) {
    return orders;
  }
  const fans = await getFanModel(connection)
    .find({ unionId: { $in: unionIds } }, { openId: 1, unionId: 1 })
    .lean();
  const openIdOf = new Map(fans.map((fan) => [fan.unionId!, fan.openId]));
  const joined = (order: OrderContent): OrderContent => {
    const openId = !order.openId && order.unionId ? openIdOf.get(order.unionId) : undefined;
    return openId ? { ...order, openId } : order;
  };
  return orders.map((order) => ({ ...order, first: joined(order.first), last: joined(order.last) }));
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

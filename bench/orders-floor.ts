/**
 * Baseline for the orders section, the import floor: the official `mongodb` driver doing the
 * least an importer that keeps purchase facts on its fans must do, on collections with the same
 * indexes as fanhook's (`orders`, and `fans` seeded like fanhook's): insert every order (unordered
 * insertMany of 1,000) and write each known buyer's facts once (`$set` by openid, bulkWrite of
 * 1,000). It checks nothing, reads nothing back and computes the facts in memory from the export
 * before the clock starts; the two streams of writes run at once. What it cannot beat is the
 * database's price for those writes, which is what fanhook's orders/s is compared with.
 */
import type { AnyBulkWriteOperation, Db, Document } from 'mongodb';
import { chunksOf } from '../src/db/update-chunks.js';

/** An export row as the orders section builds it (valid by construction). */
export interface FloorRow {
  orderId: string;
  openId: string;
  amountFen: number;
  paidAt: string;
  items: { sku: string; name: string; qty: number; size: string }[];
}

interface Facts {
  orders: number;
  spentFen: number;
  firstAt: Date;
  lastAt: Date;
  skus: Set<string>;
  names: Set<string>;
  sizes: Set<string>;
}

const BATCH = 1_000;
/** Batches of each stream in flight at once (fanhook's import keeps two chunks of facts in flight too). */
const IN_FLIGHT = 2;

function ordersOf(rows: readonly FloorRow[], receivedAt: Date): Document[] {
  return rows.map((row) => ({
    _id: row.orderId,
    openId: row.openId,
    amountFen: row.amountFen,
    paidAt: new Date(row.paidAt),
    items: row.items,
    receivedAt,
  }));
}

/** Each buyer's facts summed up from the rows (what fanhook's aggregation computes from the stored orders). */
function factsOf(rows: readonly FloorRow[], isKnown: (openId: string) => boolean): Map<string, Facts> {
  const facts = new Map<string, Facts>();
  for (const row of rows) {
    if (!isKnown(row.openId)) {
      continue;
    }
    const paidAt = new Date(row.paidAt);
    let fact = facts.get(row.openId);
    if (!fact) {
      fact = { orders: 0, spentFen: 0, firstAt: paidAt, lastAt: paidAt, skus: new Set(), names: new Set(), sizes: new Set() };
      facts.set(row.openId, fact);
    }
    fact.orders += 1;
    fact.spentFen += row.amountFen;
    fact.firstAt = paidAt < fact.firstAt ? paidAt : fact.firstAt;
    fact.lastAt = paidAt > fact.lastAt ? paidAt : fact.lastAt;
    for (const item of row.items) {
      fact.skus.add(item.sku);
      fact.names.add(item.name);
      fact.sizes.add(item.size);
    }
  }
  return facts;
}

function factWrites(facts: Map<string, Facts>): AnyBulkWriteOperation[] {
  return [...facts].map(([openId, fact]) => ({
    updateOne: {
      filter: { openId },
      update: {
        $set: {
          purchases: {
            orders: fact.orders,
            spentFen: fact.spentFen,
            firstAt: fact.firstAt,
            lastAt: fact.lastAt,
            skus: [...fact.skus].sort(),
            names: [...fact.names].sort(),
            sizes: [...fact.sizes].sort(),
          },
        },
      },
    },
  }));
}

async function inBatches<T>(items: readonly T[], write: (batch: T[]) => Promise<unknown>): Promise<void> {
  const batches = chunksOf(items, BATCH);
  const stream = async (): Promise<void> => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      await write(batch);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, stream));
}

/**
 * Imports `rows` into `db` (whose `orders` and `fans` collections already have fanhook's indexes
 * and whose fans are seeded); `withFacts` false writes the orders only. Returns the milliseconds
 * the writes took.
 */
export async function importAtTheFloor(
  db: Db,
  rows: readonly FloorRow[],
  isKnown: (openId: string) => boolean,
  withFacts: boolean,
): Promise<number> {
  const orders = ordersOf(rows, new Date());
  const writes = withFacts ? factWrites(factsOf(rows, isKnown)) : [];
  const started = performance.now();
  await Promise.all([
    inBatches(orders, (batch) => db.collection('orders').insertMany(batch, { ordered: false })),
    inBatches(writes, (batch) => db.collection('fans').bulkWrite(batch, { ordered: false })),
  ]);
  return performance.now() - started;
}

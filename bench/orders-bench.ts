/**
 * The orders section: seeds fans, then imports a shop's order export through `importOrders`
 * (the command behind both `POST /api/orders` and `npm run import-orders`: row checks, the
 * bulkWrite of the orders, the purchase-facts aggregation and the fans' bulkWrite), first as
 * new orders, then the same export again (all unchanged), then as NDJSON text through the
 * body reader. Before them, on a database of its own, the import floor (orders-floor.ts): the
 * raw driver writing the same orders and facts with nothing around them, the ratio column's
 * denominator. Target: ≥ 5,000 orders/s (issue 13).
 *
 * Run alone: `npx tsx bench/orders-bench.ts --mongodb-uri=mongodb://127.0.0.1:27017/ [--quick]`.
 */
import { fileURLToPath } from 'node:url';
import mongoose, { type Connection } from 'mongoose';
import { withDatabase } from '../src/db/with-database.js';
import { getFanModel } from '../src/fans/fan-model.js';
import { importOrders, type ImportOrdersDeps, type ImportReport } from '../src/orders/import-orders.js';
import { getOrderModel } from '../src/orders/order-model.js';
import { readOrderRows } from '../src/orders/read-order-rows.js';
import { RfmRegistry } from '../src/orders/rfm-registry.js';
import { systemClock } from '../src/lib/clock.js';
import { importAtTheFloor, type FloorRow } from './orders-floor.js';
import { seedFans } from './seed-fans.js';
import { check, fmt } from './table.js';

export interface OrdersBenchOptions {
  /** Server URI without a database (from startLocalDatabase). */
  serverUri: string;
  quick: boolean;
  log: (line: string) => void;
  /** Gives the planner statistics after the seeding, as autovacuum would on a live database (the local engine only). */
  analyze: () => Promise<void>;
}

const TARGET_PER_SECOND = 5_000;
const NAMES = ['外套', 'T恤', '长裤', '连衣裙', '毛衣', '围巾'];
const SIZES = ['S', 'M', 'L', 'XL'];

/** `count` orders over `fans` buyers (a tenth for buyers fanhook does not know yet), 1–3 items each. */
function exportOf(count: number, fans: number, now: number): FloorRow[] {
  const rows: FloorRow[] = [];
  for (let i = 0; i < count; i += 1) {
    const buyer = i % 10 === 9 ? `oBenchUnknown${String(i).padStart(7, '0')}` : `o_seed_${i % fans}`;
    const items = Array.from({ length: 1 + (i % 3) }, (_, k) => {
      const name = NAMES[(i + k) % NAMES.length]!;
      return { sku: `${name}-${(i + k) % 40}`, name, qty: 1 + (k % 2), size: SIZES[(i + k) % SIZES.length]! };
    });
    rows.push({
      orderId: `BENCH-${i}`,
      openId: buyer,
      amountFen: 9_900 + (i % 50) * 1_000,
      paidAt: new Date(now - (i % 365) * 86_400_000).toISOString(),
      items,
    });
  }
  return rows;
}

interface Timing {
  ms: number;
  /** Until the last chunk of orders was stored; the rest is the buyers' purchase facts still left then. */
  storedMs: number;
  report: ImportReport;
}

async function timed(run: (onProgress: () => void) => Promise<ImportReport>): Promise<Timing> {
  const started = performance.now();
  let stored = started;
  const report = await run(() => {
    stored = performance.now();
  });
  return { ms: performance.now() - started, storedMs: stored - started, report };
}

/**
 * A database of its own with `fans` fans seeded like a live fanhook's (fanhook's indexes, the
 * orders collection's too) and analyzed; dropped again when `use` is done.
 */
async function withSeededDatabase<T>(
  options: OrdersBenchOptions,
  name: string,
  fans: number,
  use: (connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await mongoose.createConnection(withDatabase(options.serverUri, name)).asPromise();
  try {
    await connection.dropDatabase();
    await Promise.all([getFanModel(connection).init(), getOrderModel(connection).init()]);
    options.log(`orders: seeding ${fmt(fans)} fans in ${name} …`);
    await seedFans(connection, fans, new Date());
    await options.analyze();
    return await use(connection);
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

/** The import floor (orders-floor.ts): orders only, then orders and facts. */
async function floorTimings(
  options: OrdersBenchOptions,
  rows: readonly FloorRow[],
  fans: number,
): Promise<{ ordersOnly: number; withFacts: number }> {
  return withSeededDatabase(options, 'fanhook_bench_orders_floor', fans, async (connection) => {
    // seedFans names its fans o_seed_<i>; the export's other buyers are unknown to fanhook.
    const isKnown = (openId: string) => openId.startsWith('o_seed_');
    options.log('orders: the import floor, orders only …');
    const ordersOnly = await importAtTheFloor(connection.db!, rows, isKnown, false);
    await connection.collection('orders').deleteMany({});
    options.log("orders: the import floor, orders and buyers' facts …");
    const withFacts = await importAtTheFloor(connection.db!, rows, isKnown, true);
    return { ordersOnly, withFacts };
  });
}

export async function runOrdersBench(options: OrdersBenchOptions): Promise<string[]> {
  const orders = options.quick ? 20_000 : 100_000;
  const fans = orders / 4;
  const rows = exportOf(orders, fans, Date.now());
  const floor = await floorTimings(options, rows, fans);
  return withSeededDatabase(options, 'fanhook_bench_orders', fans, async (connection) => {
    const rfm = await RfmRegistry.load(fileURLToPath(new URL('../templates', import.meta.url)));
    const deps: ImportOrdersDeps = { connection, clock: systemClock, timezone: 'Asia/Shanghai', tiers: () => rfm.tiers };
    const asRows = rows.map((raw, index) => ({ index, raw }));
    const ndjson = rows.map((row) => JSON.stringify(row)).join('\n');
    options.log(`orders: importing ${fmt(orders)} new orders …`);
    const fresh = await timed((onProgress) => importOrders(deps, asRows, onProgress));
    options.log('orders: the same export again …');
    const again = await timed((onProgress) => importOrders(deps, asRows, onProgress));
    // A fresh start for the third upload: no orders, and no facts on the fans (else the facts it
    // computes equal the stored ones and no fan is written).
    await connection.collection('orders').deleteMany({});
    await connection.collection('fans').updateMany({}, { $unset: { purchases: '' } });
    options.log('orders: as NDJSON text …');
    const text = await timed((onProgress) => importOrders(deps, readOrderRows(ndjson), onProgress));
    const perSecond = (ms: number): number => Math.round(orders / (ms / 1000));
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const ratio = (ms: number): string => (floor.withFacts / ms).toFixed(2);
    const line = (label: string, result: Timing, target: boolean) =>
      `| ${label} | ${fmt(orders)} | ${s(result.ms)} | ${fmt(perSecond(result.ms))} | ${ratio(result.ms)} | ${s(result.storedMs)} (${fmt(perSecond(result.storedMs))}/s) | ${s(result.ms - result.storedMs)} | ${result.report.accepted} accepted, ${result.report.unchanged} unchanged, ${result.report.refused} refused | ${target ? `≥ ${fmt(TARGET_PER_SECOND)}/s: ${check(perSecond(result.ms) >= TARGET_PER_SECOND)}` : ''} |`;
    const floorLine = (label: string, ms: number) =>
      `| ${label} | ${fmt(orders)} | ${s(ms)} | ${fmt(perSecond(ms))} | ${ratio(ms)} | — | — | — | |`;
    return [
      `orders import (\`importOrders\`, batches of 1,000, ${fmt(fans)} known fans, a tenth of the orders for unknown fans)`,
      '',
      "| upload | orders | time | orders/s | × import floor | orders stored in | buyers' facts, after the last order | result | target |",
      '|---|---:|---:|---:|---:|---:|---:|---|---|',
      floorLine('import floor: mongodb driver, insertMany of the orders only', floor.ordersOnly),
      floorLine('import floor: mongodb driver, the orders + one $set of facts per known buyer', floor.withFacts),
      line('new orders (rows as parsed JSON)', fresh, true),
      line('the same export again (all unchanged)', again, false),
      line('new orders as NDJSON text (body reader included)', text, true),
    ];
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const uri = process.argv.find((arg) => arg.startsWith('--mongodb-uri='))?.slice('--mongodb-uri='.length);
  if (!uri) {
    process.stderr.write('usage: npx tsx bench/orders-bench.ts --mongodb-uri=URI [--quick]\n');
    process.exit(64);
  }
  runOrdersBench({
    serverUri: uri,
    quick: process.argv.includes('--quick'),
    analyze: async () => undefined,
    log: (l) => process.stderr.write(`${l}\n`),
  }).then(
    (lines) => process.stdout.write(`${lines.join('\n')}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}

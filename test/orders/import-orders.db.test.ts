/**
 * `importOrders` on uploads larger than one thousand-order chunk: the purchase facts it leaves
 * are those a full recompute gives (the nightly refresh finds nothing to change), rows that
 * repeat an order id count as if sent one after another, and a fan whose facts did not change
 * is not written.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { refreshRfmTiers } from '../../src/jobs/refresh-rfm.js';
import { ManualClock, systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { importOrders, type ImportOrdersDeps } from '../../src/orders/import-orders.js';
import { getOrderModel } from '../../src/orders/order-model.js';
import { RfmRegistry } from '../../src/orders/rfm-registry.js';
import { fanDoc } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
const DAY = 86_400_000;
const now = new Date();
let rfm: RfmRegistry;
let deps: ImportOrdersDeps;

beforeAll(async () => {
  await Promise.all([getFanModel(db.connection).init(), getOrderModel(db.connection).init()]);
  rfm = await RfmRegistry.load(fileURLToPath(new URL('../../templates', import.meta.url)));
  deps = { connection: db.connection, clock: systemClock, timezone: 'Asia/Shanghai', tiers: () => rfm.tiers };
});

function row(index: number, orderId: string, buyer: { openId?: string; unionId?: string }, fen: number, daysAgo: number, sku: string) {
  return {
    index,
    raw: {
      orderId,
      ...buyer,
      amountFen: fen,
      paidAt: new Date(now.getTime() - daysAgo * DAY).toISOString(),
      items: [{ sku, name: `品-${sku}`, qty: 1, size: sku.endsWith('0') ? 'L' : undefined }],
    },
  };
}

const factsOf = async (openId: string): Promise<Fan['purchases'] | undefined> =>
  (await getFanModel(db.connection).findOne({ openId }).lean<Fan>())?.purchases;

describe('importing a large upload', () => {
  it('leaves every buyer with the facts a full recompute gives, across chunks, moved orders and unionids', async () => {
    await getFanModel(db.connection).insertMany([
      ...Array.from({ length: 300 }, (_, i) => fanDoc(`oBigFan${i}`, now)),
      fanDoc('oBigUnion', now, { unionId: 'uBigUnion00001' }),
    ]);
    // 3,500 orders over 300 known fans and 50 unknown ones, in no buyer order.
    const rows = Array.from({ length: 3_500 }, (_, i) =>
      row(
        i,
        `BIG-${i}`,
        { openId: i % 7 === 0 ? `oBigNobody${i % 50}` : `oBigFan${(i * 37) % 300}` },
        1_000 + (i % 13) * 100,
        i % 400,
        `S${i % 23}`,
      ),
    );
    rows.push(row(3_500, 'BIG-U1', { unionId: 'uBigUnion00001' }, 4_200, 3, 'U10'));
    const first = await importOrders(deps, rows);
    expect(first).toMatchObject({ accepted: 3_501, updated: 0, unchanged: 0, refused: 0 });
    expect(await factsOf('oBigUnion')).toMatchObject({ orders: 1, spentFen: 4_200, sizes: ['L'] });

    // Again, with one order moved to another buyer and one changed: the former buyer's facts shrink.
    const before = await factsOf('oBigFan37');
    const again = rows.map((r) => (r.raw.orderId === 'BIG-1' ? row(r.index, 'BIG-1', { openId: 'oBigFan0' }, 1_100, 1, 'S1') : r));
    again.push(row(3_501, 'BIG-2', { openId: 'oBigFan74' }, 99_900, 0, 'S99'));
    expect(await importOrders(deps, again)).toMatchObject({ accepted: 2, updated: 2, unchanged: 3_500 });
    expect(await factsOf('oBigFan37')).toMatchObject({ orders: before!.orders - 1, spentFen: before!.spentFen - 1_100 });

    const refreshed = await refreshRfmTiers({ connection: db.connection, rfm, clock: new ManualClock(now), logger: silentLogger });
    expect(refreshed.changed).toBe(0);
    expect(refreshed.scanned).toBeGreaterThan(300);
  });

  it('counts rows that repeat an order id as if they had been sent one after another; the last one is stored', async () => {
    await getFanModel(db.connection).insertMany([fanDoc('oRepeatRows', now)]);
    const v1 = row(0, 'REP-1', { openId: 'oRepeatRows' }, 5_000, 2, 'R1');
    const v2 = row(2, 'REP-1', { openId: 'oRepeatRows' }, 7_000, 2, 'R2');
    const report = await importOrders(deps, [v1, { ...v1, index: 1 }, v2, { ...v2, index: 3 }]);
    expect(report).toEqual({ accepted: 2, updated: 1, unchanged: 2, refused: 0, refusedRows: [] });
    expect(await getOrderModel(db.connection).findById('REP-1').lean()).toMatchObject({ amountFen: 7_000 });
    expect(await factsOf('oRepeatRows')).toMatchObject({ orders: 1, spentFen: 7_000, skus: ['R2'] });
  });

  it('does not write a fan whose facts the upload did not change', async () => {
    await getFanModel(db.connection).insertMany([fanDoc('oSameFacts', now)]);
    const first = row(0, 'SAME-1', { openId: 'oSameFacts' }, 3_000, 5, 'Q1');
    await importOrders(deps, [first]);
    const written = (await getFanModel(db.connection).findOne({ openId: 'oSameFacts' }).lean<Fan>())!.updatedAt;
    // Only the source changes: the order is stored again, the facts stay as they are.
    const report = await importOrders(deps, [{ ...first, raw: { ...first.raw, source: 'weidian' } }]);
    expect(report).toMatchObject({ accepted: 1, updated: 1 });
    expect(await getOrderModel(db.connection).findById('SAME-1').lean()).toMatchObject({ source: 'weidian' });
    expect((await getFanModel(db.connection).findOne({ openId: 'oSameFacts' }).lean<Fan>())!.updatedAt).toEqual(written);
  });
});

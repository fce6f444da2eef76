import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkOrder, parsePaidAt, sameOrderContent } from '../../src/orders/order-input.js';
import { readOrderCsv } from '../../src/orders/read-order-csv.js';
import { OrderBodyError, readOrderRows } from '../../src/orders/read-order-rows.js';
import { parseRfmTiers, rfmTierOf } from '../../src/orders/rfm-tiers.js';

const TZ = 'Asia/Shanghai';
const good = {
  orderId: 'A1',
  openId: 'oFan000001',
  amountFen: 19_900,
  paidAt: '2026-11-20T14:03:00+08:00',
  items: [{ sku: 'C-1', name: '外套', qty: 1 }],
};

function reasonOf(raw: unknown): string {
  const check = checkOrder(raw, TZ);
  if (check.ok) {
    throw new Error('expected a refusal');
  }
  return check.reason;
}

describe('checkOrder', () => {
  it('keeps a good order and drops fields it does not know', () => {
    expect(checkOrder({ ...good, coupon: 'X', $where: 'sleep(1)' }, TZ)).toEqual({
      ok: true,
      order: {
        _id: 'A1',
        openId: 'oFan000001',
        amountFen: 19_900,
        paidAt: new Date('2026-11-20T06:03:00Z'),
        items: [{ sku: 'C-1', name: '外套', qty: 1 }],
      },
    });
  });

  it.each([
    [{ ...good, amountFen: 199.5 }, 'amountFen: must be a whole number of fen (1 yuan = 100 fen)'],
    [{ ...good, amountFen: '19900' }, 'amountFen: must be a number of fen'],
    [{ ...good, amountFen: -1 }, 'amountFen: must not be negative'],
    [{ ...good, openId: undefined }, 'openId or unionId is required'],
    [{ ...good, openId: { $ne: null } }, 'openId: '],
    [{ ...good, paidAt: '2026-02-30T10:00:00Z' }, 'paidAt: must be an ISO 8601 date and time'],
    [{ ...good, items: [] }, 'items: must list at least one item'],
    [{ ...good, items: [{ sku: 'C-1', name: '外套', qty: 0 }] }, 'items.0.qty: must be at least 1'],
    [{ ...good, orderId: undefined }, 'orderId: is required'],
    ['not an object', 'row: '],
  ])('refuses %j with a reason naming the field', (raw, reason) => {
    expect(reasonOf(raw)).toContain(reason);
  });

  it('reads a paid-at time without an offset as the shop’s local time', () => {
    expect(parsePaidAt('2026-11-20 14:03', TZ)).toEqual(new Date('2026-11-20T06:03:00Z'));
    expect(parsePaidAt('2026-11-20T14:03:00+0800', TZ)).toEqual(new Date('2026-11-20T06:03:00Z'));
    expect(parsePaidAt('2026-11-20T06:03:00Z', TZ)).toEqual(new Date('2026-11-20T06:03:00Z'));
    expect(parsePaidAt('20/11/2026', TZ)).toBeUndefined();
  });

  it('tells a re-sent order from a changed one', () => {
    const a = checkOrder(good, TZ);
    const b = checkOrder({ ...good, source: 'youzan' }, TZ);
    const c = checkOrder({ ...good, paidAt: '2026-11-20 14:03' }, TZ);
    if (!a.ok || !b.ok || !c.ok) {
      throw new Error('expected good orders');
    }
    expect(sameOrderContent(a.order, c.order)).toBe(true);
    expect(sameOrderContent(a.order, b.order)).toBe(false);
  });
});

describe('reading an upload', () => {
  it('reads a JSON array, and NDJSON line by line with each line numbered', () => {
    expect(readOrderRows('[{"a":1},{"b":2}]')).toEqual([
      { index: 0, raw: { a: 1 } },
      { index: 1, raw: { b: 2 } },
    ]);
    expect(readOrderRows('{"a":1}\n\n{"b":\n{"c":3}\n')).toEqual([
      { index: 0, line: 1, raw: { a: 1 } },
      { index: 1, line: 3, unreadable: 'not a JSON object (NDJSON: one order per line)' },
      { index: 2, line: 4, raw: { c: 3 } },
    ]);
  });

  it('refuses an empty body or a broken JSON array as a whole', () => {
    expect(() => readOrderRows('  ')).toThrow(OrderBodyError);
    expect(() => readOrderRows('[{"a":1},')).toThrow(/not a valid JSON array/);
    expect(() => readOrderRows('{"a":1}')).not.toThrow();
  });

  it('groups the rows of a spreadsheet export (one row per item, Chinese headers) into orders', () => {
    const csv = [
      '订单号,openid,实付金额(分),支付时间,商品编码,商品名称,数量,尺码,颜色',
      'E1,oCsv000001,59800,2026-11-20 14:03,COAT-1,外套,1,L,黑色',
      'E2,oCsv000002,12.5,2026-11-21 09:00,TEE-1,T恤,2,M,',
      'E1,oCsv000001,59800,2026-11-20 14:03,SCARF-1,围巾,1,,灰色',
    ].join('\n');
    const rows = readOrderCsv(csv);
    expect(rows).toEqual([
      {
        index: 0,
        line: 2,
        raw: {
          orderId: 'E1',
          openId: 'oCsv000001',
          amountFen: 59_800,
          paidAt: '2026-11-20 14:03',
          items: [
            { sku: 'COAT-1', name: '外套', qty: 1, size: 'L', colour: '黑色' },
            { sku: 'SCARF-1', name: '围巾', qty: 1, colour: '灰色' },
          ],
        },
      },
      {
        index: 1,
        line: 3,
        raw: {
          orderId: 'E2',
          openId: 'oCsv000002',
          amountFen: 12.5,
          paidAt: '2026-11-21 09:00',
          items: [{ sku: 'TEE-1', name: 'T恤', qty: 2, size: 'M' }],
        },
      },
    ]);
    const raws = rows.map((row) => ('raw' in row ? row.raw : undefined));
    expect(checkOrder(raws[0], TZ).ok).toBe(true);
    expect(checkOrder(raws[1], TZ)).toEqual({ ok: false, reason: 'amountFen: must be a whole number of fen (1 yuan = 100 fen)' });
  });

  it('names the columns a CSV header lacks', () => {
    expect(() => readOrderCsv('orderId,openId,sku\nA,oX,C')).toThrow('the CSV header lacks the column(s) amountFen, paidAt, name, qty');
  });
});

describe('RFM tiers of templates/rfm.yaml', () => {
  const tiers = parseRfmTiers(readFileSync('templates/rfm.yaml', 'utf8'));
  const now = new Date('2026-12-01T00:00:00Z');
  const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);

  it.each([
    [{ orders: 3, spentFen: 120_000, lastAt: ago(10) }, 'vip'],
    [{ orders: 3, spentFen: 120_000, lastAt: ago(120) }, 'keep'],
    [{ orders: 1, spentFen: 60_000, lastAt: ago(10) }, 'develop'],
    [{ orders: 2, spentFen: 60_000, lastAt: ago(200) }, 'winback'],
    [{ orders: 1, spentFen: 19_900, lastAt: ago(3) }, 'new'],
    [{ orders: 2, spentFen: 30_000, lastAt: ago(100) }, 'regular'],
    [{ orders: 1, spentFen: 19_900, lastAt: ago(400) }, 'sleeping'],
    [{ orders: 0, spentFen: 0, lastAt: undefined }, undefined],
  ])('puts %j in tier %s', (facts, tier) => {
    expect(rfmTierOf(facts, tiers, now)).toBe(tier);
  });

  it('refuses a file with an unknown field or a repeated tier, naming it', () => {
    expect(() => parseRfmTiers('tiers:\n  - { key: a, name: 甲, minOrderz: 1 }')).toThrow('rfm.yaml: tiers.0 unknown field(s) minOrderz');
    expect(() => parseRfmTiers('tiers:\n  - { key: a, name: 甲 }\n  - { key: b, name: 甲 }')).toThrow('"甲" is used by an earlier tier');
  });
});

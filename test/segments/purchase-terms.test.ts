import { describe, expect, it } from 'vitest';
import { compileSegment } from '../../src/segments/compile-segment.js';
import { parseSegment, SegmentSyntaxError, type SegmentVocabulary } from '../../src/segments/parse-segment.js';
import { formatSegment } from '../../src/segments/segment-ast.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 24 * 3_600_000;
const tiers: SegmentVocabulary = {
  tierKeyOf: (text) =>
    new Map([
      ['vip', 'vip'],
      ['重要价值', 'vip'],
      ['sleeping', 'sleeping'],
      ['沉睡', 'sleeping'],
    ]).get(text.toLowerCase()),
  tierList: () => '重要价值（vip）、沉睡（sleeping）',
};

function errorOf(text: string, vocabulary?: SegmentVocabulary): SegmentSyntaxError {
  try {
    parseSegment(text, vocabulary);
  } catch (error) {
    if (error instanceof SegmentSyntaxError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${text} to fail`);
}

/** The filter of `text` without the `subscribed: true` every segment carries. */
function conditionOf(text: string): unknown {
  const filter = compileSegment(parseSegment(text, tiers), NOW) as { $and: unknown[] };
  expect(filter.$and[0]).toEqual({ subscribed: true });
  return filter.$and[1];
}

describe('purchase and click terms', () => {
  it('reads each purchase term in English and in Chinese alike', () => {
    expect(parseSegment('bought:外套')).toEqual({ type: 'bought', value: '外套' });
    expect(parseSegment('买过：外套')).toEqual(parseSegment('bought:外套'));
    expect(parseSegment('orders>=2')).toEqual({ type: 'orders', op: '>=', count: 2 });
    expect(parseSegment('订单>=2')).toEqual(parseSegment('orders>=2'));
    expect(parseSegment('spent>500')).toEqual({ type: 'spent', op: '>', fen: 50_000 });
    expect(parseSegment('消费＞99.9')).toEqual({ type: 'spent', op: '>', fen: 9_990 });
    expect(parseSegment('ordered<30d')).toEqual({ type: 'recency', metric: 'ordered', op: '<', hours: 720 });
    expect(parseSegment('下单<30天')).toEqual(parseSegment('ordered<30d'));
    expect(parseSegment('never-ordered')).toEqual({ type: 'never-ordered' });
    expect(parseSegment('未下单')).toEqual({ type: 'never-ordered' });
    expect(parseSegment('clicked:12')).toEqual({ type: 'clicked', broadcast: 12 });
    expect(parseSegment('点击:#12')).toEqual({ type: 'clicked', broadcast: 12 });
  });

  it('names an RFM tier by key or Chinese name, and refuses a tier the shop does not have', () => {
    expect(parseSegment('rfm:VIP', tiers)).toEqual({ type: 'rfm', tier: 'vip' });
    expect(parseSegment('分层:重要价值', tiers)).toEqual({ type: 'rfm', tier: 'vip' });
    const error = errorOf('分层:土豪', tiers);
    expect(error.position).toBe(3);
    expect(error.message).toContain('未知分层「土豪」，可用：重要价值（vip）、沉睡（sleeping）');
  });

  it('formats back to canonical text that parses to the same tree', () => {
    const text = '买过:外套 消费>500 订单>=2 下单<30天 (分层:重要价值 OR 点击:7) -未下单';
    const canonical = formatSegment(parseSegment(text, tiers));
    expect(canonical).toBe('bought:外套 spent>500 orders>=2 ordered<30d (rfm:vip OR clicked:7) NOT never-ordered');
    expect(parseSegment(canonical, tiers)).toEqual(parseSegment(text, tiers));
  });

  it.each([
    ['orders>=1.5', 8, '整数'],
    ['clicked:abc', 8, '群发编号'],
    ['clicked:0', 8, '群发编号'],
    ['bought:', 7, '缺少值'],
    ['constructor<5d', 0, '未知的时间条件'],
    ['toString:x', 0, '未知字段'],
  ])('points at the mistake in %j', (text, position, message) => {
    const error = errorOf(text);
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
  });

  it('compiles each term to a comparison on one indexed purchase field, buyer terms guarded for the partial indexes', () => {
    const buyer = { 'purchases.orders': { $gt: 0 } };
    const never = { $nor: [buyer] };
    expect(conditionOf('bought:外套')).toEqual({
      $or: [
        { ...buyer, 'purchases.skus': { $eq: '外套' } },
        { ...buyer, 'purchases.names': { $eq: '外套' } },
      ],
    });
    expect(conditionOf('orders>=2')).toEqual({ 'purchases.orders': { $gte: 2 } });
    expect(conditionOf('spent>500')).toEqual({ ...buyer, 'purchases.spentFen': { $gt: 50_000 } });
    expect(conditionOf('ordered<30d')).toEqual({ ...buyer, 'purchases.lastAt': { $gt: new Date(NOW.getTime() - 30 * DAY) } });
    expect(conditionOf('ordered>90d')).toEqual({ ...buyer, 'purchases.lastAt': { $lt: new Date(NOW.getTime() - 90 * DAY) } });
    expect(conditionOf('never-ordered')).toEqual(never);
    expect(conditionOf('rfm:vip')).toEqual({ ...buyer, 'purchases.rfm': { $eq: 'vip' } });
    expect(conditionOf('clicked:12')).toEqual({ clickedBroadcasts: { $eq: 12 } });
  });

  it('counts fans who never ordered in a comparison that zero satisfies', () => {
    const never = { $nor: [{ 'purchases.orders': { $gt: 0 } }] };
    expect(conditionOf('orders<2')).toEqual({ $or: [{ 'purchases.orders': { $lt: 2 } }, never] });
    expect(conditionOf('orders<=1')).toEqual({ $or: [{ 'purchases.orders': { $lte: 1 } }, never] });
    expect(conditionOf('spent=0')).toEqual({ $or: [{ 'purchases.orders': { $gt: 0 }, 'purchases.spentFen': { $eq: 0 } }, never] });
    expect(conditionOf('spent<100')).toEqual({ $or: [{ 'purchases.orders': { $gt: 0 }, 'purchases.spentFen': { $lt: 10_000 } }, never] });
    expect(conditionOf('orders>=1')).toEqual({ 'purchases.orders': { $gte: 1 } });
  });

  it('keeps operator-like item names as plain values', () => {
    expect(conditionOf('bought:"$where"')).toEqual({
      $or: [
        { 'purchases.orders': { $gt: 0 }, 'purchases.skus': { $eq: '$where' } },
        { 'purchases.orders': { $gt: 0 }, 'purchases.names': { $eq: '$where' } },
      ],
    });
  });
});

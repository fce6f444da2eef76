import { describe, expect, it } from 'vitest';
import { planDelivery, splitIntoBatches, type PlanFan } from '../../src/broadcast/plan-delivery.js';

const now = new Date('2026-11-23T12:00:00Z');
const options = { now, month: '2026-11', csReserve: 1, customerService: true };
const ids = (n: number, prefix = 'o') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const fan = (openId: string, extra: Partial<PlanFan> = {}): PlanFan => ({ openId, ...extra });
const windowWith = (used: number, hoursAgo = 1) => ({
  messageAt: new Date(now.getTime() - hoursAgo * 3_600_000),
  messageUsed: used,
  triggerUsed: 0,
});

describe('splitIntoBatches', () => {
  it('uses the fewest calls of at most 10,000', () => {
    expect(splitIntoBatches(ids(25_000)).map((b) => b.length)).toEqual([10_000, 10_000, 5_000]);
    expect(splitIntoBatches(ids(10_000)).map((b) => b.length)).toEqual([10_000]);
  });

  it('never leaves a batch of one, which WeChat refuses', () => {
    expect(splitIntoBatches(ids(10_001)).map((b) => b.length)).toEqual([9_999, 2]);
    expect(new Set(splitIntoBatches(ids(10_001)).flat()).size).toBe(10_001);
  });
});

describe('planDelivery', () => {
  it('sends by customer-service message only with allowance to spare for the conversation', () => {
    const plan = planDelivery(
      [fan('a', { csWindow: windowWith(3) }), fan('b', { csWindow: windowWith(4) }), fan('c', { csWindow: windowWith(0, 49) })],
      options,
    );
    expect(plan.customer).toEqual(['a']);
    expect(plan.batches).toEqual([{ variant: '', openIds: ['b', 'c'] }]);
  });

  it('excludes fans at 4 pushes this month but not last month, and honours a minimum gap', () => {
    const fans = [
      fan('full', { massPushes: { month: '2026-11', count: 4 } }),
      fan('old', { massPushes: { month: '2026-10', count: 4 } }),
      fan('recent', { massPushes: { month: '2026-11', count: 1, lastAt: new Date(now.getTime() - 3_600_000) } }),
      fan('fresh'),
    ];
    expect(planDelivery(fans, options).quotaExcluded).toEqual(['full']);
    expect(planDelivery(fans, { ...options, minGapMs: 24 * 3_600_000 }).quotaExcluded).toEqual(['full', 'recent']);
  });

  it('reports a lone fan of a content group unreachable', () => {
    const plan = planDelivery([fan('x', { variant: 'L' }), fan('y', { variant: 'M' }), fan('z', { variant: 'M' })], options);
    expect(plan.unreachable).toEqual(['x']);
    expect(plan.batches).toEqual([{ variant: 'M', openIds: ['y', 'z'] }]);
  });

  it('sends articles by mass send even to fans in the window', () => {
    const plan = planDelivery([fan('a', { csWindow: windowWith(0) }), fan('b')], { ...options, customerService: false });
    expect(plan.customer).toEqual([]);
    expect(plan.batches[0]?.openIds).toEqual(['a', 'b']);
  });
});

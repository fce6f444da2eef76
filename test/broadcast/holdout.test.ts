import { describe, expect, it } from 'vitest';
import { isHeldOut, takeHoldoutDirective } from '../../src/broadcast/holdout.js';
import { planDelivery } from '../../src/broadcast/plan-delivery.js';

const now = new Date('2026-12-01T10:00:00Z');

describe('the holdout directive of /broadcast', () => {
  it.each([
    ['周末上新 holdout 10%', { content: '周末上新', percent: 10 }],
    ['周末上新 HOLDOUT 5 ％', { content: '周末上新', percent: 5 }],
    ['周末上新 对照组 20%', { content: '周末上新', percent: 20 }],
    ['template:new_arrival holdout 12.5%', { content: 'template:new_arrival', percent: 12.5 }],
    ['满 100 减 10%', { content: '满 100 减 10%' }],
    ['周末上新', { content: '周末上新' }],
  ])('%s', (text, expected) => {
    expect(takeHoldoutDirective(text)).toEqual(expected);
  });

  it('refuses a share the report could not use', () => {
    expect(takeHoldoutDirective('上新 holdout 0%')).toEqual({ problem: '对照组比例须大于 0% 且不超过 50%' });
    expect(takeHoldoutDirective('上新 holdout 80%')).toEqual({ problem: '对照组比例须大于 0% 且不超过 50%' });
  });
});

describe('who is held out', () => {
  const openIds = Array.from({ length: 20_000 }, (_, i) => `oFan${i}`);

  it('holds out about the share asked for, the same fans every time for one seed', () => {
    const holdout = { share: 0.1, seed: 'seed-a' };
    const held = openIds.filter((openId) => isHeldOut(holdout, openId));
    expect(held.length / openIds.length).toBeGreaterThan(0.09);
    expect(held.length / openIds.length).toBeLessThan(0.11);
    expect(openIds.filter((openId) => isHeldOut({ ...holdout }, openId))).toEqual(held);
    const other = openIds.filter((openId) => isHeldOut({ share: 0.1, seed: 'seed-b' }, openId));
    expect(other).not.toEqual(held);
  });

  it('keeps held-out fans out of every delivery, and never holds out a fan the push could not reach anyway', () => {
    const holdout = { share: 0.5, seed: 'plan' };
    const fans = openIds.slice(0, 200).map((openId, i) => ({
      openId,
      ...(i % 4 === 0 ? { massPushes: { month: '2026-12', count: 4 } } : {}),
      ...(i % 4 === 1 ? { csWindow: { messageAt: new Date(now.getTime() - 3_600_000), messageUsed: 0, triggerUsed: 0 } } : {}),
    }));
    const plan = planDelivery(fans, {
      now,
      month: '2026-12',
      csReserve: 1,
      customerService: true,
      heldOut: (id) => isHeldOut(holdout, id),
    });
    const sent = new Set([...plan.customer, ...plan.batches.flatMap((b) => b.openIds)]);
    expect(plan.holdout.length).toBeGreaterThan(50);
    expect(plan.holdout.some((id) => sent.has(id))).toBe(false);
    expect(plan.holdout.some((id) => plan.quotaExcluded.includes(id))).toBe(false);
    expect(plan.quotaExcluded).toHaveLength(50);
    expect(plan.customer.length + sent.size - plan.customer.length + plan.holdout.length + plan.quotaExcluded.length).toBe(200);
  });
});

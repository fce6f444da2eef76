import { describe, expect, it } from 'vitest';
import { formatEffect, liftOf } from '../../src/broadcast/effect-report.js';
import type { BroadcastEffect } from '../../src/broadcast/measure-effect.js';

const group = (fans: number, buyers: number, revenueFen = buyers * 10_000) => ({ fans, buyers, orders: buyers, revenueFen });

describe('the lift of a push over its holdout', () => {
  it('calls a large, clear difference significant', () => {
    const lift = liftOf(group(9_000, 540), group(1_000, 30));
    expect(lift.points).toBeCloseTo(3, 6);
    expect(lift.relative).toBeCloseTo(1, 6);
    expect(lift.extraBuyers).toBe(270);
    expect(lift.verdict).toBe('significant');
  });

  it('says a small gap between big groups could be chance', () => {
    expect(liftOf(group(9_000, 450), group(1_000, 48)).verdict).toBe('not_significant');
  });

  it('says there are too few orders to tell', () => {
    const lift = liftOf(group(90, 3), group(10, 0));
    expect(lift.verdict).toBe('too_few');
    expect(lift.relative).toBeNull();
  });
});

describe('the effect lines of /report', () => {
  const effect = (holdout: BroadcastEffect['holdout']): BroadcastEffect => ({
    window: { from: new Date('2026-11-02T02:00:00Z'), to: new Date('2026-11-09T02:00:00Z'), days: 7, open: false },
    sent: { ...group(900, 27, 2_690_000), clickers: 120 },
    holdout,
    clicks: { total: 150, anonymous: 12 },
  });

  it('shows clicks, orders, revenue, the holdout and the lift in Chinese', () => {
    expect(formatEffect(effect(group(100, 1, 9_900)), 'Asia/Shanghai')).toEqual([
      '效果（归因窗口：推送后 7 天，2026-11-02 10:00 至 2026-11-09 10:00）',
      '点击：120 人（点击率 13.3%），共 150 次，其中 12 次未识别粉丝',
      '群发组：900 人，下单 27 人（3.0%），27 单，销售额 ¥26900.00',
      '对照组：100 人（未发送），下单 1 人（1.0%），1 单，销售额 ¥99.00',
      '提升：下单率 +2.0 个百分点（相对提升 +200.0%），约多带来 18 位下单粉丝；人均销售额 ¥29.89 对 ¥0.99',
      '说明：下单人数太少，这个差异还说明不了什么；等更多订单或对更多粉丝群发后再看。（双比例检验 p=0.25）',
    ]);
  });

  it('suggests a holdout when the broadcast had none', () => {
    expect(formatEffect(effect(undefined), 'Asia/Shanghai').at(-1)).toBe('未设对照组：无法算出提升（下次可用 /broadcast … holdout 10%）');
  });
});

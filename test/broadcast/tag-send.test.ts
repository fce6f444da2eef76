import { describe, expect, it } from 'vitest';
import { planDelivery, type PlanFan, type PlanOptions } from '../../src/broadcast/plan-delivery.js';
import { decideTagSend, describeTagRefusal, mirrorMatches, toTagPlan, type TagSendInput } from '../../src/broadcast/tag-send.js';
import { parseSegment } from '../../src/segments/parse-segment.js';

const now = new Date('2026-11-23T12:00:00Z');
const options: PlanOptions = { now, month: '2026-11', csReserve: 1, customerService: true, batchSize: 10 };
const ids = (n: number) => Array.from({ length: n }, (_, i) => `o${i}`);
const fans = (n: number, extra: (i: number) => Partial<PlanFan> = () => ({})): PlanFan[] =>
  ids(n).map((openId, i) => ({ openId, ...extra(i) }));
const inWindow = { messageAt: new Date(now.getTime() - 3_600_000), messageUsed: 0, triggerUsed: 0 };

/** 25 fans tagged vip, all for mass send, WeChat's members exactly them: the by-tag case. */
function input(overrides: Partial<TagSendInput> & { audience?: PlanFan[]; planOptions?: Partial<PlanOptions> } = {}): TagSendInput {
  const { audience = fans(25), planOptions = {}, ...rest } = overrides;
  const plan = planDelivery(audience, { ...options, ...planOptions });
  return {
    segment: parseSegment('tag:vip'),
    syncedTags: new Set(['vip', '护肤']),
    tagId: 101,
    plan,
    mirror: { members: audience.map((fan) => fan.openId), unsettled: 0 },
    ...rest,
  };
}

describe('decideTagSend', () => {
  it('sends a segment of exactly one synced tag by tag when the OpenID list would take several calls', () => {
    const decision = decideTagSend(input());
    expect(decision).toEqual({ byTag: true, name: 'vip', tagId: 101 });
    const plan = toTagPlan(input().plan, { name: 'vip', tagId: 101 });
    expect(plan.batches).toHaveLength(1);
    expect(plan.batches[0]).toMatchObject({ tag: { name: 'vip', tagId: 101 } });
    expect(plan.batches[0]!.openIds).toHaveLength(25);
  });

  it.each([
    ['tag:vip active<30d', 'not-one-tag'],
    ['-tag:vip', 'not-one-tag'],
    ['tag:vip OR tag:护肤', 'not-one-tag'],
    ['(tag:vip) all', 'not-one-tag'],
    ['all', 'not-one-tag'],
    ['source:store_hz', 'not-one-tag'],
    ['tag:孕妈', 'not-synced'],
  ])('sends %s by OpenID list (%s)', (expr, reason) => {
    expect(decideTagSend(input({ segment: parseSegment(expr) }))).toMatchObject({ byTag: false, reason });
  });

  it('never sends a product series (birthday care, welcome) by tag', () => {
    expect(decideTagSend(input({ segment: null }))).toMatchObject({ byTag: false, reason: 'not-one-tag' });
  });

  it.each<[string, Partial<Parameters<typeof input>[0]>, string]>([
    ['the sync job has not created the WeChat tag yet', { tagId: undefined }, 'no-wechat-tag'],
    ['nobody carries the tag', { audience: [], mirror: { members: [], unsettled: 0 } }, 'empty'],
    [
      'a fan is inside the customer-service window',
      { audience: fans(25, (i) => (i === 7 ? { csWindow: inWindow } : {})) },
      'customer-service',
    ],
    [
      'a fan is at the monthly limit',
      { audience: fans(25, (i) => (i === 3 ? { massPushes: { month: '2026-11', count: 4 } } : {})) },
      'quota',
    ],
    [
      'a fan was pushed within the minimum gap',
      {
        audience: fans(25, (i) => (i === 3 ? { massPushes: { month: '2026-11', count: 1, lastAt: now } } : {})),
        planOptions: { minGapMs: 3_600_000 },
      },
      'quota',
    ],
    [
      'a template renders differently per fan',
      { audience: fans(25, (i) => ({ variant: i % 2 ? '张先生' : '李女士' })) },
      'per-fan-content',
    ],
    ['one OpenID call would do it too', { audience: fans(8), mirror: { members: ids(8), unsettled: 0 } }, 'no-gain'],
    ['WeChat has a fan on the tag who left the segment', { mirror: { members: [...ids(25), 'oGone'], unsettled: 0 } }, 'mirror'],
    ['a fan of the segment is not on the WeChat tag', { mirror: { members: ids(24), unsettled: 0 } }, 'mirror'],
    ['a fan of the segment has a tag sync pending', { mirror: { members: ids(25), unsettled: 1 } }, 'mirror'],
    ['the members were not read', { mirror: undefined }, 'mirror'],
  ])('falls back to OpenID batches when %s', (_what, overrides, reason) => {
    expect(decideTagSend(input(overrides))).toMatchObject({ byTag: false, reason });
  });

  it('sends by tag even with mpnews, which never goes by customer-service message', () => {
    const decision = decideTagSend(input({ audience: fans(25, () => ({ csWindow: inWindow })), planOptions: { customerService: false } }));
    expect(decision).toMatchObject({ byTag: true });
  });

  it('reaches a lone fan by tag, whom an OpenID list of one cannot reach', () => {
    const lone = input({ audience: fans(1), mirror: { members: ids(1), unsettled: 0 } });
    expect(lone.plan.unreachable).toEqual(['o0']);
    expect(decideTagSend(lone)).toMatchObject({ byTag: true });
    const plan = toTagPlan(lone.plan, { name: 'vip', tagId: 101 });
    expect(plan).toMatchObject({ unreachable: [], batches: [{ openIds: ['o0'] }] });
  });
});

describe('mirrorMatches', () => {
  it('needs the same fans, nobody in doubt', () => {
    expect(mirrorMatches(['a', 'b'], { members: ['b', 'a'], unsettled: 0 })).toBe(true);
    expect(mirrorMatches(['a', 'b'], { members: ['a', 'a'], unsettled: 0 })).toBe(false);
    expect(mirrorMatches(['a', 'b'], { members: ['a', 'b'], unsettled: 2 })).toBe(false);
  });
});

describe('describeTagRefusal', () => {
  it('tells the merchant in Chinese why a single-tag segment goes by OpenID list', () => {
    const quota = decideTagSend(input({ audience: fans(25, (i) => (i === 3 ? { massPushes: { month: '2026-11', count: 4 } } : {})) }));
    expect(describeTagRefusal(quota, 3)).toContain('本月群发额度');
    expect(describeTagRefusal(decideTagSend(input({ segment: parseSegment('tag:孕妈') })), 3)).toContain('标签「孕妈」没有设置同步到微信');
    expect(describeTagRefusal(decideTagSend(input({ segment: parseSegment('all') })), 3)).toBeNull();
  });
});

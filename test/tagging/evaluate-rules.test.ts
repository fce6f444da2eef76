import { describe, expect, it } from 'vitest';
import type { FanTag } from '../../src/fans/fan-model.js';
import { evaluateRules, type RuleFan } from '../../src/tagging/evaluate-rules.js';
import { parseRules } from '../../src/tagging/load-rules.js';
import type { InboundMessage } from '../../src/wechat/inbound.js';

const now = new Date('2026-11-20T10:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
const today = Math.floor(now.getTime() / 86_400_000);
const base = { toUserName: 'gh_x', fromUserName: 'oFan', createTime: 1, msgType: 'event', raw: {} };
const msg = (fields: Record<string, unknown>) => ({ ...base, ...fields }) as InboundMessage;
const tag = (name: string): FanTag => ({ name, source: 'rule', ruleId: 'earlier', at: daysAgo(50) });
const fan = (overrides: Partial<RuleFan> = {}): RuleFan => ({
  tags: [],
  attributes: {},
  subscribed: true,
  subscribedAt: daysAgo(60),
  lastSeenAt: now,
  ...overrides,
});
const rule = (when: string, then = '[{ addTag: T }]') => parseRules(`rules:\n  - id: r\n    when: ${when}\n    do: ${then}\n`).rules;

describe('evaluateRules: conditions', () => {
  it.each<[string, string, RuleFan, InboundMessage | undefined, boolean]>([
    ['event matches the kind', '{ event: subscribe }', fan(), msg({ kind: 'subscribe' }), true],
    ['event needs a message (sweep)', '{ event: subscribe }', fan(), undefined, false],
    ['keyword is a case-insensitive substring', '{ keyword: [Dior] }', fan(), msg({ kind: 'text', content: '有dior口红吗' }), true],
    ['keyword misses other text', '{ keyword: [面霜] }', fan(), msg({ kind: 'text', content: '营业时间' }), false],
    ['regex on voice recognition', '{ regex: "孕(妇|期)" }', fan(), msg({ kind: 'voice', recognition: '我在孕期能穿吗' }), true],
    ['menu key', '{ menuKey: [NEW, SALE] }', fan(), msg({ kind: 'menu_click', eventKey: 'SALE' }), true],
    ['menu key of another click', '{ menuKey: NEW }', fan(), msg({ kind: 'menu_click', eventKey: 'SIZE' }), false],
    ['menu path A then C', '{ menuPath: "NEW>SIZE" }', fan({ menuPaths: { 'NEW>SIZE': 1 } }), undefined, true],
    ['menu path not taken', '{ menuPath: "SIZE>NEW" }', fan({ menuPaths: { 'NEW>SIZE': 1 } }), undefined, false],
    ['scene of this follow', '{ scene: store_hz }', fan(), msg({ kind: 'subscribe', scene: 'store_hz' }), true],
    ['scene from the stored source', '{ scene: store_hz }', fan({ source: 'store_hz' }), undefined, true],
    ['attribute equals', '{ attribute: { size: L } }', fan({ attributes: { size: 'L' } }), undefined, true],
    ['attribute one of', '{ attribute: { size: [XL, XXL] } }', fan({ attributes: { size: 'M' } }), undefined, false],
    ['attribute present', '{ attribute: { birthday: true } }', fan({ attributes: { birthday: '05-20' } }), undefined, true],
    ['attribute absent', '{ attribute: { city: false } }', fan({ attributes: { city: '杭州' } }), undefined, false],
    [
      'count within window',
      '{ count: { of: "menu:NEW", atLeast: 3, withinDays: 7 } }',
      fan({ daily: { [today]: { 'menu:NEW': 1 }, [today - 6]: { 'menu:NEW': 2 } } }),
      undefined,
      true,
    ],
    [
      'count outside window does not count',
      '{ count: { of: "menu:NEW", atLeast: 3, withinDays: 7 } }',
      fan({ daily: { [today]: { 'menu:NEW': 1 }, [today - 7]: { 'menu:NEW': 2 } } }),
      undefined,
      false,
    ],
    ['idle at least 30 days', '{ idleDays: { atLeast: 30 } }', fan({ lastSeenAt: daysAgo(31) }), undefined, true],
    ['followed at most 7 days', '{ followedDays: { atMost: 7 } }', fan({ subscribedAt: daysAgo(8) }), undefined, false],
    ['activity dormant', '{ activity: dormant }', fan({ lastSeenAt: daysAgo(45) }), undefined, true],
    ['activity new', '{ activity: [new] }', fan({ subscribedAt: daysAgo(2) }), undefined, true],
    [
      'location region',
      '{ location: { region: 浙江 } }',
      fan({ location: { latitude: 30.2, longitude: 120.1, region: '浙江', at: now } }),
      undefined,
      true,
    ],
    [
      'location box',
      '{ location: { box: { south: 30, west: 120, north: 30.5, east: 120.5 } } }',
      fan({ location: { latitude: 31.2, longitude: 121.4, at: now } }),
      undefined,
      false,
    ],
    ['has tag', '{ hasTag: VIP }', fan({ tags: [tag('VIP')] }), undefined, true],
    ['lacks tag', '{ lacksTag: VIP }', fan({ tags: [tag('VIP')] }), undefined, false],
    ['all conditions must hold', '{ event: subscribe, scene: livestream }', fan(), msg({ kind: 'subscribe', scene: 'store_hz' }), false],
  ])('%s', (_name, when, theFan, message, expected) => {
    expect(evaluateRules(rule(when), { fan: theFan, message, now }).matched).toEqual(expected ? ['r'] : []);
  });
});

describe('evaluateRules: actions', () => {
  it('adds tags with the rule id as the reason and only those the fan lacks', () => {
    const rules = parseRules('rules:\n  - { id: a, when: { subscribed: true }, do: [{ addTag: X }, { addTag: Y }] }\n').rules;
    const outcome = evaluateRules(rules, { fan: fan({ tags: [tag('X')] }), now });
    expect(outcome.add).toEqual([{ name: 'Y', source: 'rule', ruleId: 'a' }]);
    expect(outcome.remove).toEqual([]);
  });

  it('lets a later rule undo an earlier one and removes only tags the fan has', () => {
    const rules = parseRules(
      [
        'rules:',
        '  - { id: a, when: { activity: dormant }, do: [{ addTag: 沉睡 }, { removeTag: 活跃 }, { removeTag: 新粉 }] }',
        '  - { id: b, when: { hasTag: VIP }, do: [{ removeTag: 沉睡 }] }',
      ].join('\n'),
    ).rules;
    const outcome = evaluateRules(rules, { fan: fan({ lastSeenAt: daysAgo(40), tags: [tag('活跃'), tag('VIP')] }), now });
    expect(outcome).toMatchObject({ add: [], remove: ['活跃'], matched: ['a', 'b'] });
  });

  it('sets an attribute only when the value changes, and later rules see it', () => {
    const rules = parseRules(
      [
        'rules:',
        '  - { id: a, when: { scene: store_hz }, do: [{ setAttribute: { name: store, value: 杭州湖滨店 } }] }',
        '  - { id: b, when: { attribute: { store: 杭州湖滨店 } }, do: [{ addTag: 到店 }] }',
      ].join('\n'),
    ).rules;
    expect(evaluateRules(rules, { fan: fan({ source: 'store_hz' }), now })).toMatchObject({
      setAttributes: { store: '杭州湖滨店' },
      add: [{ name: '到店', ruleId: 'b' }],
    });
    expect(
      evaluateRules(rules, { fan: fan({ source: 'store_hz', attributes: { store: '杭州湖滨店' }, tags: [tag('到店')] }), now }),
    ).toMatchObject({ setAttributes: {}, add: [] });
  });
});

import { describe, expect, it } from 'vitest';
import { activityOf } from '../../src/fans/activity-of.js';
import { buildFanUpdate } from '../../src/fans/fan-update.js';
import { nextMenuSession } from '../../src/fans/menu-session.js';
import type { InboundMessage } from '../../src/wechat/inbound.js';

const now = new Date('2026-11-20T10:00:00Z');
const day = Math.floor(now.getTime() / 86_400_000);
const base = { toUserName: 'gh_x', fromUserName: 'oFan', createTime: 1, msgType: 'event', raw: {} };
const msg = (fields: Record<string, unknown>) => ({ ...base, ...fields }) as InboundMessage;
const interests = [
  { name: '连衣裙', words: ['连衣裙', '裙子'] },
  { name: '护肤', words: ['面霜', '精华'] },
];

describe('buildFanUpdate', () => {
  it.each([
    [
      'a follow via QR records source, history and a follow',
      msg({ kind: 'subscribe', scene: 'store_hz' }),
      {
        $set: { subscribed: true, subscribedAt: now, activity: 'new', source: 'store_hz', tagsDirty: true },
        $inc: { followCount: 1, tagsRev: 1, 'counts.subscribe': 1 },
        $push: { subscriptionHistory: { $each: [{ event: 'subscribe', at: now, scene: 'store_hz' }], $slice: -50 } },
        $setOnInsert: { firstSource: 'store_hz' },
      },
    ],
    [
      'an unfollow records the time and the tier, and that WeChat dropped their tags',
      msg({ kind: 'unsubscribe' }),
      {
        $set: { subscribed: false, unsubscribedAt: now, activity: 'unsubscribed', syncedTags: [], tagsDirty: true },
        $inc: { tagsRev: 1 },
      },
    ],
    [
      'a menu click counts the key, also per day',
      msg({ kind: 'menu_click', eventKey: 'NEW.IN' }),
      {
        $inc: { 'menuClicks.NEW_IN': 1, [`daily.${day}.menu:NEW_IN`]: 1, [`daily.${day}.menu_click`]: 1 },
        $set: { 'csWindow.triggerAt': now },
      },
    ],
    [
      'a menu link remembers the URL',
      msg({ kind: 'menu_view', url: 'https://shop.example/new' }),
      {
        $push: { linksViewed: { $each: [{ url: 'https://shop.example/new', at: now }], $slice: -20 } },
      },
    ],
    [
      'a location derives the province offline',
      msg({ kind: 'location', latitude: 30.25, longitude: 120.14, scale: 15, label: '西湖' }),
      {
        $set: { location: { latitude: 30.25, longitude: 120.14, label: '西湖', region: '浙江', at: now }, lastMessageAt: now },
      },
    ],
    [
      'text counts the interests it mentions',
      msg({ kind: 'text', content: '有没有新款裙子？' }),
      {
        $inc: { 'interests.连衣裙': 1, 'counts.text': 1 },
        $set: { 'csWindow.messageAt': now, 'csWindow.messageUsed': 0 },
      },
    ],
    [
      'a $-prefixed menu key cannot become an operator',
      msg({ kind: 'menu_click', eventKey: '$where' }),
      {
        $inc: { 'menuClicks._where': 1 },
      },
    ],
  ])('%s', (_name, message, expected) => {
    expect(buildFanUpdate(message, now, { interests })).toMatchObject(expected);
  });

  it('does not count interests the text does not mention', () => {
    const update = buildFanUpdate(msg({ kind: 'text', content: '营业时间？' }), now, { interests });
    expect(Object.keys(update.$inc ?? {}).filter((k) => k.startsWith('interests.'))).toEqual([]);
  });
});

describe('nextMenuSession', () => {
  it('counts "A then C" within a session and starts over after 30 minutes', () => {
    const first = nextMenuSession(undefined, 'A', now);
    expect(first.paths).toEqual([]);
    const second = nextMenuSession(first.session, 'B', new Date(now.getTime() + 60_000));
    const third = nextMenuSession(second.session, 'C', new Date(now.getTime() + 120_000));
    expect(third.paths).toEqual(['A>C', 'B>C']);
    const later = nextMenuSession(third.session, 'C', new Date(now.getTime() + 40 * 60_000));
    expect(later.paths).toEqual([]);
    expect(later.session.keys).toEqual(['C']);
  });
});

describe('activityOf', () => {
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
  it.each([
    ['unsubscribed', { subscribed: false, subscribedAt: days(100), lastSeenAt: days(1) }],
    ['new', { subscribed: true, subscribedAt: days(3), lastSeenAt: days(3) }],
    ['active', { subscribed: true, subscribedAt: days(40), lastSeenAt: days(29) }],
    ['dormant', { subscribed: true, subscribedAt: days(90), lastSeenAt: days(30) }],
  ] as const)('says %s', (tier, fan) => {
    expect(activityOf(fan, now)).toBe(tier);
  });
});

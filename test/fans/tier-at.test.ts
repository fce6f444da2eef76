import { describe, expect, it } from 'vitest';
import { dayNumber } from '../../src/fans/day-number.js';
import { tierAt, type TierFan } from '../../src/fans/tier-at.js';

const DAY = 24 * 3_600_000;
const now = new Date('2026-12-01T12:00:00Z');
const daysAgo = (n: number): Date => new Date(now.getTime() - n * DAY);
const fan = (overrides: Partial<TierFan>): TierFan => ({
  subscribed: true,
  subscribedAt: daysAgo(100),
  firstSeenAt: daysAgo(100),
  lastSeenAt: daysAgo(1),
  ...overrides,
});

describe('a fan tier in a past week', () => {
  it.each([
    ['not a fan yet before the first visit', fan({ subscribedAt: daysAgo(3), firstSeenAt: daysAgo(3) }), 14, null],
    ['new in the week of the follow', fan({ subscribedAt: daysAgo(17), firstSeenAt: daysAgo(17) }), 14, 'new'],
    ['active when seen within 30 days before', fan({ lastSeenAt: daysAgo(20) }), 14, 'active'],
    ['dormant when the last visit was 30 days earlier', fan({ lastSeenAt: daysAgo(50) }), 14, 'dormant'],
    [
      'unsubscribed after the unfollow',
      fan({ subscribed: false, unsubscribedAt: daysAgo(21), lastSeenAt: daysAgo(21) }),
      14,
      'unsubscribed',
    ],
    [
      'still following before a later unfollow',
      fan({ subscribed: false, unsubscribedAt: daysAgo(7), lastSeenAt: daysAgo(7) }),
      14,
      'dormant',
    ],
    [
      'unsubscribed before following again',
      fan({ subscribedAt: daysAgo(5), unsubscribedAt: daysAgo(30), firstSeenAt: daysAgo(90) }),
      14,
      'unsubscribed',
    ],
  ] as const)('%s', (_name, record, weeksAgoDays, expected) => {
    expect(tierAt(record, daysAgo(weeksAgoDays))).toBe(expected);
  });

  it('uses the kept per-day counts when the fan came back after that week', () => {
    const daily = { [String(dayNumber(daysAgo(40)))]: { text: 1 } };
    // Seen yesterday, and 40 days ago per the daily counts: 14 days ago the fan had been idle 26 days.
    expect(tierAt(fan({ daily, lastSeenAt: daysAgo(1) }), daysAgo(14))).toBe('active');
    // Without that count the last interaction on record before then is the follow, 100 days ago.
    expect(tierAt(fan({ lastSeenAt: daysAgo(1) }), daysAgo(14))).toBe('dormant');
  });
});

import { describe, expect, it } from 'vitest';
import { isOpen, nextOpening } from '../../src/handoff/business-hours.js';

const TZ = 'Asia/Shanghai';
const weekdays = { days: [1, 2, 3, 4, 5], open: '09:00', close: '18:00' };
// 2026-11-23 is a Monday; Shanghai is UTC+8.
const at = (iso: string) => new Date(iso);

describe('business hours in the merchant time zone', () => {
  it('is open on a weekday between open and close, closed before and after', () => {
    expect(isOpen(weekdays, at('2026-11-23T01:00:00Z'), TZ)).toBe(true); // Mon 09:00
    expect(isOpen(weekdays, at('2026-11-23T00:59:00Z'), TZ)).toBe(false); // Mon 08:59
    expect(isOpen(weekdays, at('2026-11-23T10:00:00Z'), TZ)).toBe(false); // Mon 18:00
  });

  it('tells a fan "today" before opening, "tomorrow" after closing, and the weekday over a weekend', () => {
    expect(nextOpening(weekdays, at('2026-11-22T23:00:00Z'), TZ)).toBe('今天 09:00'); // Mon 07:00
    expect(nextOpening(weekdays, at('2026-11-23T12:00:00Z'), TZ)).toBe('明天 09:00'); // Mon 20:00
    expect(nextOpening(weekdays, at('2026-11-27T12:00:00Z'), TZ)).toBe('周一 09:00'); // Fri 20:00
  });

  it('uses the configured zone, not the server zone', () => {
    // 02:00 UTC Monday is 10:00 in Shanghai (open) but 21:00 Sunday in New York (closed).
    expect(isOpen(weekdays, at('2026-11-23T02:00:00Z'), TZ)).toBe(true);
    expect(isOpen(weekdays, at('2026-11-23T02:00:00Z'), 'America/New_York')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseWhen } from '../../src/broadcast/parse-when.js';
import { monthKeyIn, startOfDayIn } from '../../src/broadcast/zoned-time.js';

// Monday 2026-11-23 09:30 in Shanghai.
const now = new Date('2026-11-23T01:30:00Z');
const tz = 'Asia/Shanghai';

describe('parseWhen', () => {
  it('reads one-off times in the configured time zone', () => {
    expect(parseWhen('2026-12-01 10:00', now, tz)).toEqual({ kind: 'once', at: new Date('2026-12-01T02:00:00Z') });
    expect(parseWhen('tomorrow 10:00', now, tz)).toEqual({ kind: 'once', at: new Date('2026-11-24T02:00:00Z') });
    expect(parseWhen('明天 10:00', now, tz)).toEqual({ kind: 'once', at: new Date('2026-11-24T02:00:00Z') });
    expect(parseWhen('周二 08:00', now, tz)).toEqual({ kind: 'once', at: new Date('2026-11-24T00:00:00Z') });
    expect(parseWhen('monday 09:00', now, tz)).toEqual({ kind: 'once', at: new Date('2026-11-30T01:00:00Z') });
    expect(parseWhen('2026-12-01 10:00', now, 'America/New_York')).toEqual({ kind: 'once', at: new Date('2026-12-01T15:00:00Z') });
  });

  it('turns recurring rules into cron expressions', () => {
    expect(parseWhen('every tuesday 10:00', now, tz)).toEqual({ kind: 'recurring', cron: '0 10 * * 2' });
    expect(parseWhen('每周二 10:00', now, tz)).toEqual({ kind: 'recurring', cron: '0 10 * * 2' });
    expect(parseWhen('每天 20:30', now, tz)).toEqual({ kind: 'recurring', cron: '30 20 * * *' });
  });

  it('explains what is wrong', () => {
    expect(parseWhen('2026-11-23 09:00', now, tz)).toEqual({ problem: '这个时间已经过去了' });
    expect(parseWhen('tomorrow', now, tz)).toMatchObject({ problem: expect.stringContaining('需要一个时间') });
    expect(parseWhen('every fortnight 10:00', now, tz)).toMatchObject({ problem: expect.stringContaining('重复规则') });
    expect(parseWhen('2026-02-30 10:00', now, tz)).toMatchObject({ problem: expect.stringContaining('没有这一天') });
  });
});

describe('calendar in the configured zone', () => {
  it('starts the month and the day at local midnight', () => {
    expect(monthKeyIn(new Date('2026-11-30T16:30:00Z'), tz)).toBe('2026-12');
    expect(monthKeyIn(new Date('2026-11-30T16:30:00Z'), 'UTC')).toBe('2026-11');
    expect(startOfDayIn(now, tz)).toEqual(new Date('2026-11-22T16:00:00Z'));
  });
});

/**
 * PURE: reads the `<when>` of `/schedule`, in the configured time zone:
 *   one-off:   2026-12-01 10:00 · 2026/12/01 10:00:30 · tomorrow 10:00 · 明天 10:00 · today 18:00 ·
 *              tuesday 10:00 · 周二 10:00 (the next such day)
 *   recurring: every tuesday 10:00 · 每周二 10:00 · every day 10:00 · 每天 10:00
 * Recurring rules become a cron expression that Agenda runs in the same time zone.
 */
import { zonedParts, zonedToDate } from './zoned-time.js';

export type When = { kind: 'once'; at: Date } | { kind: 'recurring'; cron: string };

const WEEKDAY_NAMES: Record<string, number> = {
  sunday: 0,
  sun: 0,
  monday: 1,
  mon: 1,
  tuesday: 2,
  tue: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thu: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
  周日: 0,
  周天: 0,
  周一: 1,
  周二: 2,
  周三: 3,
  周四: 4,
  周五: 5,
  周六: 6,
  星期日: 0,
  星期天: 0,
  星期一: 1,
  星期二: 2,
  星期三: 3,
  星期四: 4,
  星期五: 5,
  星期六: 6,
};
const TIME = /^(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$/;

/** The schedule in `text`, or a problem to show the admin. */
export function parseWhen(text: string, now: Date, timeZone: string): When | { problem: string } {
  const words = text
    .trim()
    .toLowerCase()
    .replace(/^每(?=周|星期)/, 'every ')
    .replace(/^每天/, 'every day')
    .split(/\s+/)
    .filter(Boolean);
  const time = parseTime(words.at(-1));
  if (!time) {
    return { problem: '需要一个时间，例如 10:00' };
  }
  const head = words.slice(0, -1);
  if (head[0] === 'every') {
    return parseRecurring(head.slice(1), time);
  }
  const day = parseDay(head, now, timeZone, time);
  if ('problem' in day) {
    return day;
  }
  const at = zonedToDate({ ...day, ...time }, timeZone);
  if (at.getTime() <= now.getTime()) {
    return { problem: '这个时间已经过去了' };
  }
  return { kind: 'once', at };
}

function parseTime(word: string | undefined): { hour: number; minute: number; second: number } | null {
  const match = TIME.exec(word ?? '');
  if (!match) {
    return null;
  }
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  return hour < 24 && minute < 60 && second < 60 ? { hour, minute, second } : null;
}

function parseRecurring(rest: string[], time: { hour: number; minute: number; second: number }): When | { problem: string } {
  const base = `${time.minute} ${time.hour} * *`;
  if (rest.length === 1 && (rest[0] === 'day' || rest[0] === 'daily')) {
    return { kind: 'recurring', cron: `${base} *` };
  }
  const weekday = rest.length === 1 ? WEEKDAY_NAMES[rest[0]!] : undefined;
  if (weekday === undefined) {
    return { problem: '重复规则写成 every tuesday 10:00、每周二 10:00 或 每天 10:00' };
  }
  return { kind: 'recurring', cron: `${base} ${weekday}` };
}

type Day = { year: number; month: number; day: number };

function parseDay(
  head: string[],
  now: Date,
  timeZone: string,
  time: { hour: number; minute: number; second: number },
): Day | { problem: string } {
  const today = zonedParts(now, timeZone);
  const offset = (days: number): Day => {
    // Noon of today in UTC arithmetic cannot cross a date boundary by DST.
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + days, 12));
    return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
  };
  const word = head.join(' ');
  if (head.length === 0 || word === 'today' || word === '今天') {
    return offset(0);
  }
  if (word === 'tomorrow' || word === '明天') {
    return offset(1);
  }
  const weekday = WEEKDAY_NAMES[word];
  if (weekday !== undefined) {
    const ahead = (weekday - today.weekday + 7) % 7;
    const laterToday = time.hour * 3600 + time.minute * 60 + time.second > today.hour * 3600 + today.minute * 60 + today.second;
    return offset(ahead === 0 && !laterToday ? 7 : ahead);
  }
  const date = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(word);
  if (!date) {
    return { problem: `看不懂日期「${word}」，请写成 2026-12-01 10:00、tomorrow 10:00 或 every tuesday 10:00` };
  }
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return { problem: `没有这一天：${word}` };
  }
  return { year, month, day };
}

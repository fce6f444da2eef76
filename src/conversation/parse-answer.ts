/**
 * PURE: turns a fan's free-text answer into the attribute value, or null when it is not an
 * answer. Dates become `YYYY-MM-DD` (year given) or `MM-DD` (no year) — the format the
 * birthday care feature reads from `attributes.birthday`.
 */
import type { ProfileQuestion } from './questions.js';

/** Polite filler a fan wraps an answer in ("我一般穿M码哦"). */
const FILLER = /我|一般|平时|通常|都|穿|是|的|码|号|吧|呀|啊|哦|喔|呢|喜欢|比较|最|。|，|！|!|～|~|\s/g;

/** The value to store, or null when `text` does not answer `question`. */
export function parseAnswer(question: ProfileQuestion, text: string, now: Date): string | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    return null;
  }
  switch (question.type) {
    case 'choice':
      return parseChoice(question.choices, trimmed);
    case 'date':
      return parseDate(trimmed, now);
    case 'text':
      return parseText(question, trimmed);
  }
}

function parseChoice(choices: Record<string, string[]>, text: string): string | null {
  const core = text.toLowerCase().replace(FILLER, '');
  const entries = Object.entries(choices);
  for (const [value, synonyms] of entries) {
    if ([value, ...synonyms].some((word) => word.toLowerCase() === core)) {
      return value;
    }
  }
  // Longer words first, so "xl" is not read as "l"; one-letter words only match exactly.
  const candidates = entries
    .flatMap(([value, synonyms]) => [value, ...synonyms].map((word) => ({ value, word: word.toLowerCase() })))
    .filter(({ word }) => word.length >= 2)
    .sort((a, b) => b.word.length - a.word.length);
  return candidates.find(({ word }) => text.toLowerCase().includes(word))?.value ?? null;
}

const DATE_PATTERNS: RegExp[] = [
  /^(?<y>\d{4})[-/.年](?<m>\d{1,2})[-/.月](?<d>\d{1,2})[日号]?$/,
  /^(?<m>\d{1,2})[-/.月](?<d>\d{1,2})[日号]?$/,
  /^(?<y>\d{4})(?<m>\d{2})(?<d>\d{2})$/,
  /^(?<m>\d{2})(?<d>\d{2})$/,
];

function parseDate(text: string, now: Date): string | null {
  const compact = text.replace(/\s|生日|是|我的|我/g, '');
  for (const pattern of DATE_PATTERNS) {
    const groups = pattern.exec(compact)?.groups;
    if (!groups) {
      continue;
    }
    const month = Number(groups['m']);
    const day = Number(groups['d']);
    const year = groups['y'] ? Number(groups['y']) : undefined;
    if (!isValidDay(year, month, day, now)) {
      return null;
    }
    const mmdd = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    return year ? `${year}-${mmdd}` : mmdd;
  }
  return null;
}

function isValidDay(year: number | undefined, month: number, day: number, now: Date): boolean {
  if (year !== undefined && (year < 1900 || year > now.getUTCFullYear())) {
    return false;
  }
  // Without a year, 02-29 is a valid birthday: check against a leap year.
  const probe = new Date(Date.UTC(year ?? 2000, month - 1, day));
  return month >= 1 && month <= 12 && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

function parseText(question: Extract<ProfileQuestion, { type: 'text' }>, text: string): string | null {
  let value = text.replace(/[。！!～~\s]/g, '');
  for (const suffix of question.strip) {
    if (value.length > suffix.length && value.endsWith(suffix)) {
      value = value.slice(0, -suffix.length);
    }
  }
  if (value.length === 0 || value.length > question.maxLength) {
    return null;
  }
  return !question.pattern || new RegExp(question.pattern, 'u').test(value) ? value : null;
}

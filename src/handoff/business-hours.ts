/**
 * PURE: whether staff are at work at an instant, and when they are next, in the merchant's
 * time zone (fans are told when a person will answer outside business hours).
 */

export interface BusinessHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  open: string;
  close: string;
}

interface LocalTime {
  weekday: number;
  minutes: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  return { weekday: WEEKDAYS[get('weekday')] ?? 1, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `at` falls inside business hours. */
export function isOpen(hours: BusinessHours, at: Date, timeZone: string): boolean {
  const local = localTime(at, timeZone);
  return hours.days.includes(local.weekday) && local.minutes >= toMinutes(hours.open) && local.minutes < toMinutes(hours.close);
}

/**
 * When staff are next at work after `at`, in words for a fan: "今天 09:00", "明天 09:00",
 * "周一 09:00". Null when no day is configured.
 */
export function nextOpening(hours: BusinessHours, at: Date, timeZone: string): string | null {
  const local = localTime(at, timeZone);
  const open = toMinutes(hours.open);
  for (let ahead = 0; ahead <= 7; ahead += 1) {
    const weekday = ((local.weekday - 1 + ahead) % 7) + 1;
    if (!hours.days.includes(weekday) || (ahead === 0 && local.minutes >= open)) {
      continue;
    }
    const day = ahead === 0 ? '今天' : ahead === 1 ? '明天' : `周${'一二三四五六日'[weekday - 1]}`;
    return `${day} ${hours.open}`;
  }
  return null;
}

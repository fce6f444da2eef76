/**
 * Days since the Unix epoch (UTC): the bucket key of the per-day interaction counts that
 * windowed rule conditions ("3 clicks within 7 days") read.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

/** The epoch-day number of `date`. */
export function dayNumber(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

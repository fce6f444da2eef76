/**
 * How broadcast commands put work on the job queue, without importing Agenda (STYLE.md §5.3):
 * the implementation lives in `jobs/broadcast-scheduler.ts`.
 */
export interface BroadcastScheduler {
  /** Sends broadcast `number` as soon as a worker is free. */
  sendNow(number: number): Promise<void>;
  /** Sends it once at `at`. */
  sendAt(number: number, at: Date): Promise<void>;
  /** Sends a copy at every match of `cron` (in the configured time zone); resolves with the first run. */
  repeat(number: number, cron: string): Promise<Date | undefined>;
  /** Removes every pending run of `number`; resolves with how many were removed. */
  unschedule(number: number): Promise<number>;
  /** Next run of each scheduled broadcast (one-off and recurring), by number. */
  nextRuns(): Promise<Map<number, Date>>;
}

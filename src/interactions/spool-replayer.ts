/**
 * Replays the inbound spool (see inbound-spool.ts) whenever the database is reachable: every
 * couple of seconds while the web role runs, and once at start for files a previous process
 * left behind.
 */
import type { Logger } from '../lib/logger.js';

export interface SpoolReplayOptions {
  replay: () => Promise<number>;
  /** True while the database connection is up. */
  isDatabaseUp: () => boolean;
  logger: Logger;
  intervalMs?: number;
}

/** Starts the replay loop; returns a function that stops it. */
export function startSpoolReplay(options: SpoolReplayOptions): () => void {
  let running = false;
  const tick = async (): Promise<void> => {
    if (running || !options.isDatabaseUp()) {
      return;
    }
    running = true;
    try {
      const replayed = await options.replay();
      if (replayed > 0) {
        options.logger.info({ replayed }, 'spooled messages replayed');
      }
    } catch (error) {
      options.logger.error({ err: error }, 'spool replay failed; will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 2_000);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}

/**
 * Job: deletes interaction-log entries older than the retention setting (SPEC.md §2). A
 * plain deleteMany, not a TTL index, so the retention can change without rebuilding an index.
 */
import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { getInteractionModel } from '../interactions/interaction-model.js';
import { retryUnlessPermanent } from './agenda.js';

export const CLEANUP_INTERACTIONS_JOB = 'interactions.cleanup';

export interface CleanupInteractionsDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  retentionDays: number;
}

/** Deletes interactions older than the retention; returns how many. */
export async function cleanupInteractions(deps: CleanupInteractionsDeps): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - deps.retentionDays * 24 * 60 * 60 * 1000);
  const result = await getInteractionModel(deps.connection).deleteMany({ receivedAt: { $lt: cutoff } });
  if (result.deletedCount > 0) {
    deps.logger.info({ deleted: result.deletedCount, cutoff }, 'old interactions deleted');
  }
  return result.deletedCount;
}

export function defineCleanupInteractions(agenda: Agenda, deps: CleanupInteractionsDeps): void {
  agenda.define(
    CLEANUP_INTERACTIONS_JOB,
    async () => {
      await cleanupInteractions(deps);
    },
    { concurrency: 1, backoff: retryUnlessPermanent },
  );
}

/**
 * Job `broadcast.series`: every hour on the hour, creates the birthday-care and welcome-series
 * broadcasts due in that hour (templates/series.yaml) and queues them on `broadcast.send`.
 */
import type { Agenda } from 'agenda';
import type { BroadcastDeps } from '../broadcast/broadcast-deps.js';
import { fireDueSeries } from '../broadcast/series.js';
import { retryUnlessPermanent } from './agenda.js';
import { scheduleSendBroadcast } from './send-broadcast.js';

export const RUN_SERIES_JOB = 'broadcast.series';

export function defineRunSeries(agenda: Agenda, deps: BroadcastDeps): void {
  agenda.define(
    RUN_SERIES_JOB,
    async () => {
      for (const number of await fireDueSeries(deps)) {
        await scheduleSendBroadcast(agenda, number);
      }
    },
    { concurrency: 1, backoff: retryUnlessPermanent },
  );
}

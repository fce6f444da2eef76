/**
 * The BroadcastScheduler on Agenda: one-off sends are `broadcast.send` jobs at a date,
 * recurring ones a `broadcast.repeat` job with a cron rule in the configured time zone.
 * Jobs are documents in MongoDB, so they survive restarts and Agenda's locks keep two
 * instances from running the same one.
 */
import type { Agenda } from 'agenda';
import type { BroadcastScheduler } from '../broadcast/broadcast-scheduler.js';
import { REPEAT_BROADCAST_JOB } from './repeat-broadcast.js';
import { scheduleSendBroadcast, SEND_BROADCAST_JOB } from './send-broadcast.js';

/** `agendaOf` is read at call time: the composition root creates Agenda after the commands. */
export function createBroadcastScheduler(agendaOf: () => Agenda, timezone: string): BroadcastScheduler {
  return {
    async sendNow(number) {
      await scheduleSendBroadcast(agendaOf(), number);
    },
    async sendAt(number, at) {
      await scheduleSendBroadcast(agendaOf(), number, at);
    },
    async repeat(number, cron) {
      const job = agendaOf()
        .create(REPEAT_BROADCAST_JOB, { broadcast: number })
        .repeatEvery(cron, { timezone, skipImmediate: true })
        .unique({ 'data.broadcast': number });
      await job.save();
      return job.attrs.nextRunAt ?? undefined;
    },
    async unschedule(number) {
      return agendaOf().cancel({ names: [SEND_BROADCAST_JOB, REPEAT_BROADCAST_JOB], data: { broadcast: number } });
    },
    async nextRuns() {
      const { jobs } = await agendaOf().queryJobs({ names: [SEND_BROADCAST_JOB, REPEAT_BROADCAST_JOB], limit: 200 });
      const next = new Map<number, Date>();
      for (const job of jobs) {
        const number = (job.data as { broadcast?: number } | undefined)?.broadcast;
        if (typeof number === 'number' && job.nextRunAt) {
          next.set(number, new Date(job.nextRunAt));
        }
      }
      return next;
    },
  };
}

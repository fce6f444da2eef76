/**
 * Job `broadcast.send`: runs one broadcast (src/broadcast/run-broadcast.ts). The lock is
 * short and kept by a heartbeat while the job works, so when an instance dies mid-send
 * another one takes the job over within a lock lifetime and resumes from the recorded
 * batch states. Rate
 * limits and quota pauses come back as a retry at the time WeChat allows the next call.
 */
import type { Agenda, BackoffStrategy } from 'agenda';
import type { BroadcastDeps } from '../broadcast/broadcast-deps.js';
import { runBroadcast } from '../broadcast/run-broadcast.js';
import { AppError } from '../errors.js';
import { retryUnlessPermanent } from './agenda.js';

export const SEND_BROADCAST_JOB = 'broadcast.send';

export interface SendBroadcastJobData {
  broadcast: number;
}

/** "Not now, at `retryAt`": a pause, not a failure. */
export class RetryLaterError extends AppError {
  constructor(
    readonly retryAt: Date,
    reason: string,
  ) {
    super(`broadcast paused until ${retryAt.toISOString()}: ${reason}`, { code: 'retry_later', status: 503 });
  }
}

/** Waits exactly as long as asked for pauses; the usual backoff otherwise. */
const retryWhenAllowed: BackoffStrategy = (context) =>
  context.error instanceof RetryLaterError ? Math.max(1_000, context.error.retryAt.getTime() - Date.now()) : retryUnlessPermanent(context);

export function defineSendBroadcast(agenda: Agenda, deps: BroadcastDeps, options: { lockLifetimeMs: number }): void {
  agenda.define<SendBroadcastJobData>(
    SEND_BROADCAST_JOB,
    async (job) => {
      // Planning and quota reservation of a big audience take longer than the short lock:
      // keep it alive while this process works, so no other worker starts the same broadcast.
      // A dead process stops touching and the lock expires within one lifetime.
      const heartbeat = setInterval(
        () => {
          job.touch().catch(() => clearInterval(heartbeat));
        },
        Math.max(250, Math.floor(options.lockLifetimeMs / 3)),
      );
      try {
        const outcome = await runBroadcast(deps, job.attrs.data.broadcast);
        if (outcome.kind === 'wait') {
          throw new RetryLaterError(outcome.retryAt, outcome.reason);
        }
      } finally {
        clearInterval(heartbeat);
      }
    },
    { concurrency: 2, lockLifetime: options.lockLifetimeMs, backoff: retryWhenAllowed },
  );
}

/** Queues broadcast `number` to send at `when` (now by default); returns the Agenda job id. */
export async function scheduleSendBroadcast(agenda: Agenda, number: number, when: Date = new Date()): Promise<string> {
  const job = await agenda.schedule<SendBroadcastJobData>(when, SEND_BROADCAST_JOB, { broadcast: number });
  return String(job.attrs._id);
}

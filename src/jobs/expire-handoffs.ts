/**
 * Job: the handoff timeouts (SPEC.md §4) — unclaimed chats remind staff, idle chats close.
 * A sweep every minute rather than one job per handoff: nothing to cancel when a chat is
 * taken or ended, and the sweep is idempotent.
 */
import type { Agenda } from 'agenda';
import type { HandoffDeps } from '../handoff/handoff-deps.js';
import { sweepHandoffs } from '../handoff/sweep-handoffs.js';
import { retryUnlessPermanent } from './agenda.js';

/** Agenda job name of the handoff timeout sweep. */
export const EXPIRE_HANDOFFS_JOB = 'handoff.expire';

/** Registers the sweep job (scheduled every minute in jobs/index.ts). */
export function defineExpireHandoffs(agenda: Agenda, deps: HandoffDeps): void {
  agenda.define(
    EXPIRE_HANDOFFS_JOB,
    async () => {
      await sweepHandoffs(deps);
    },
    { concurrency: 1, backoff: retryUnlessPermanent },
  );
}

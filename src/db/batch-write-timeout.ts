/**
 * How long a group-committed batch write on the callback path (interaction claims and
 * completions, signed callback pairs) may take before its items fail as an outage. One batch
 * is in flight at a time (lib/group-commit.ts), so a write the server never answers — a
 * command stuck inside the server, a connection left half-open by a network fault — would
 * otherwise hold every later callback's claim behind it for as long as it hangs. Failed as an
 * outage, its messages are spooled and replayed; a claim that landed after all is found by
 * the replay and taken over once its lease runs out. Far above what a batch of small
 * documents takes on a live server. Bounded here, not by the driver: its per-operation
 * `timeoutMS` has no effect in mongodb 7, and a `socketTimeoutMS` on the connection would
 * also cut the long reads (segment counts, sweeps) that share it.
 */
import { DatabaseUnavailableError } from '../errors.js';

export const BATCH_WRITE_TIMEOUT_MS = 10_000;

/** GroupCommit's `abandonAfter` for `what` (a collection's batch writes). */
export function abandonStuckBatch(what: string): { ms: number; error: () => Error } {
  return {
    ms: BATCH_WRITE_TIMEOUT_MS,
    error: () => new DatabaseUnavailableError(`${what}: batch write not answered within ${BATCH_WRITE_TIMEOUT_MS / 1000} s`),
  };
}

/**
 * The one deadline race of the callback: the claim (spool when the database is too slow) and
 * the pipeline (answer `success` when the reply is late) both wait "for this, but no longer
 * than that". The work keeps running after the deadline; the caller decides what happens to it.
 */

/** What `beforeDeadline` resolves with when the deadline came first. */
export const DEADLINE_PASSED: unique symbol = Symbol('deadline passed');

/**
 * `work`'s value, or DEADLINE_PASSED when it has not settled within `ms`. A rejection before
 * the deadline rejects; one after it is left to whoever still holds `work` (it is never an
 * unhandled rejection here).
 */
export function beforeDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof DEADLINE_PASSED> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof DEADLINE_PASSED>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE_PASSED), Math.max(0, ms));
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Failure injection: `failNext` queues failures per path, and each API call to that path
 * takes the head of the queue until its count runs out, or, for a sustained outage
 * (`forMs`), until its time is up. Kept apart from the server so the queue's rules read in
 * one place.
 */
import type { Failure, FakeAccount } from './fake-account.js';
import type { FailOptions } from './types.js';

/** Queues a failure for the next call(s) to `path`. */
export function queueFailure(account: FakeAccount, path: string, errcode: number, failOptions: FailOptions): void {
  const queue = account.failures.get(path) ?? [];
  const until = failOptions.forMs === undefined ? undefined : Date.now() + failOptions.forMs;
  queue.push({ errcode, remaining: failOptions.times ?? 1, ...failOptions, ...(until === undefined ? {} : { until }) });
  account.failures.set(path, queue);
}

/** The failure this call to `path` should suffer, if any; counts it as used. */
export function takeFailure(account: FakeAccount, path: string): Failure | undefined {
  const queue = account.failures.get(path);
  // An outage whose time is up is over: drop it and look at the next failure.
  while (queue?.[0]?.until !== undefined && Date.now() >= queue[0].until) {
    queue.shift();
  }
  const failure = queue?.[0];
  if (!queue || !failure) {
    return undefined;
  }
  if (failure.until !== undefined) {
    return failure;
  }
  failure.remaining -= 1;
  if (failure.remaining <= 0) {
    queue.shift();
  }
  return failure;
}

/**
 * Failure injection: `failNext` queues failures per path, and each API call to that path
 * takes the head of the queue until its count runs out. Kept apart from the server so the
 * queue's rules read in one place.
 */
import type { Failure, FakeAccount } from './fake-account.js';
import type { FailOptions } from './types.js';

/** Queues a failure for the next call(s) to `path`. */
export function queueFailure(account: FakeAccount, path: string, errcode: number, failOptions: FailOptions): void {
  const queue = account.failures.get(path) ?? [];
  queue.push({ errcode, remaining: failOptions.times ?? 1, ...failOptions });
  account.failures.set(path, queue);
}

/** The failure this call to `path` should suffer, if any; counts it as used. */
export function takeFailure(account: FakeAccount, path: string): Failure | undefined {
  const queue = account.failures.get(path);
  const failure = queue?.[0];
  if (!queue || !failure) {
    return undefined;
  }
  failure.remaining -= 1;
  if (failure.remaining <= 0) {
    queue.shift();
  }
  return failure;
}

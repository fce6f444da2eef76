/**
 * Group commit for database writes on the hot path: callers add one item each and await
 * their own result, and the items go to the database together. One batch is in flight at a
 * time, so under load everything that arrives meanwhile waits and is written in the next
 * batch — one round trip instead of dozens.
 * When idle, an item is flushed on the next turn of the event loop: no timer, no added delay.
 * A batch that never settles (a write the server never answers) would hold every later item
 * behind it for as long as it hangs: with `abandonAfter`, its items fail after that long and
 * the next batch goes out while the stuck write is left to settle or not.
 */

/** Writes a batch and returns one result per item, in order; an Error fails only its item. */
export type FlushBatch<T, R> = (items: T[]) => Promise<Array<R | Error>>;

export interface GroupCommitOptions {
  /** Largest batch handed to `flush` (the rest waits for the next one). */
  maxBatch?: number;
  /** How long a batch may take before its items fail with `error()` and the queue moves on. */
  abandonAfter?: { ms: number; error: () => Error };
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/** Batches `add()` calls into `flush` calls, one in flight at a time. */
export class GroupCommit<T, R> {
  private queue: Array<Pending<T, R>> = [];
  private running = false;
  private readonly maxBatch: number;
  private readonly abandonAfter: GroupCommitOptions['abandonAfter'];

  constructor(
    private readonly flush: FlushBatch<T, R>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.abandonAfter = options.abandonAfter;
  }

  /** Queues `item`; resolves with its result once its batch is written. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // setImmediate: requests parsed in this same turn of the event loop join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Items waiting or being written. */
  get pending(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.write(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async write(batch: Array<Pending<T, R>>): Promise<void> {
    let results: Array<R | Error>;
    try {
      results = await this.settledOrAbandoned(this.flush(batch.map((p) => p.item)));
    } catch (error) {
      for (const p of batch) {
        p.reject(error);
      }
      return;
    }
    batch.forEach((p, i) => {
      const result = results[i];
      if (result instanceof Error) {
        p.reject(result);
      } else {
        p.resolve(result as R);
      }
    });
  }

  /** `flushing`, or a rejection with the abandon error once it has taken too long. */
  private settledOrAbandoned(flushing: Promise<Array<R | Error>>): Promise<Array<R | Error>> {
    const abandon = this.abandonAfter;
    if (!abandon) {
      return flushing;
    }
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(abandon.error()), abandon.ms);
    });
    // A stuck write that fails after being abandoned has no one left to tell.
    flushing.catch(() => undefined);
    return Promise.race([flushing, abandoned]).finally(() => clearTimeout(timer));
  }
}

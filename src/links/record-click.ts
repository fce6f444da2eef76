/**
 * Command: stores clicks, many at a time. An identified fan's first click on a link takes
 * the id `<code>:<openid>`; one that finds the id taken is stored as a repeat. A first click
 * on a broadcast's link also adds the broadcast to the fan's `clickedBroadcasts`, which the
 * `clicked:<broadcast>` segment term reads.
 *
 * The redirect does not wait for the write: the click is queued and the fan is on their way.
 * Queued clicks go to the database in unordered insertMany batches, a few batches in flight at
 * once, so the writes keep pace with a burst without holding anyone at a link. A fan's first
 * click that is already stored (or being stored) is known here, so the fan's later clicks go
 * straight in as repeats instead of failing on the taken id first. The queue is bounded: when
 * the database falls that far behind, further clicks are dropped and counted in the log, so
 * an outage cannot grow memory without end. `close()` writes what is queued before the
 * process exits.
 */
import { Types, type Connection } from 'mongoose';
import { insertOutcomes } from '../db/write-errors.js';
import { getFanModel } from '../fans/fan-model.js';
import type { Logger } from '../lib/logger.js';
import { firstClickId, getLinkClickModel, type ClickVia, type LinkClick } from './link-click-model.js';

export interface Click {
  link: { code: string; broadcast?: number };
  /** The fan, when OAuth or a signed code identified them. */
  openId?: string;
  via: ClickVia;
  reason?: string;
  at: Date;
}

export interface ClickRecorderOptions {
  /** Clicks waiting beyond this are dropped (and logged). */
  maxQueued?: number;
  /** The most clicks in one insertMany. */
  maxBatch?: number;
  /** How many batches may be in flight at once. */
  inFlight?: number;
}

const LOSS_LOG_INTERVAL_MS = 10_000;
/** First-click ids remembered as stored; the memory is cleared when full (a repeat then learns it again). */
const MAX_KNOWN_FIRSTS = 100_000;

export class ClickRecorder {
  private queue: Click[] = [];
  private readonly writes = new Set<Promise<void>>();
  private scheduled = false;
  /** First-click ids stored in the database. */
  private readonly storedFirsts = new Set<string>();
  /** First-click ids in a batch being written. */
  private readonly pendingFirsts = new Set<string>();
  /** Clicks in the batches being written. */
  private writing = 0;
  private lostSinceLog = 0;
  private lastLossLog = 0;
  private readonly maxQueued: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
    options: ClickRecorderOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 20_000;
    this.maxBatch = options.maxBatch ?? 1_000;
    this.maxInFlight = options.inFlight ?? 3;
  }

  /** Queues `click` and returns at once; it is written with the next batch. */
  record(click: Click): void {
    if (this.queue.length >= this.maxQueued) {
      this.lost(1, 'too many clicks waiting for the database');
      return;
    }
    this.queue.push(click);
    if (!this.scheduled && this.writes.size < this.maxInFlight) {
      this.scheduled = true;
      // setImmediate: clicks parsed in this same turn of the event loop join the batch.
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** Clicks queued or being written. */
  get pending(): number {
    return this.queue.length + this.writing;
  }

  /** Writes everything queued; what is still unwritten after `timeoutMs` is logged as lost. */
  async close(timeoutMs = 5_000): Promise<void> {
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    try {
      while ((this.queue.length > 0 || this.writes.size > 0) && !timedOut) {
        this.pump();
        await Promise.race([...this.writes, expired]);
      }
    } finally {
      clearTimeout(timer);
    }
    // Logged now whatever the interval: nothing logs after this.
    const left = this.pending;
    if (left + this.lostSinceLog > 0) {
      this.logger.error({ clicks: left + this.lostSinceLog, unwrittenAtShutdown: left }, 'link clicks not recorded');
      this.lostSinceLog = 0;
    }
  }

  /** Starts batches until the in-flight limit is reached or the queue is empty. */
  private pump(): void {
    while (this.writes.size < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.writing += batch.length;
      const write: Promise<void> = this.write(batch)
        .then(
          (refused) => {
            if (refused) {
              this.lost(refused.count, refused.reason);
            }
          },
          (error: unknown) => this.lost(batch.length, (error as Error).message),
        )
        .finally(() => {
          this.writing -= batch.length;
          this.writes.delete(write);
          this.pump();
        });
      this.writes.add(write);
    }
  }

  /** Counts lost clicks and logs them at most every few seconds: an outage must not flood the log. */
  private lost(count: number, reason: string): void {
    this.lostSinceLog += count;
    const now = Date.now();
    if (this.lostSinceLog > 0 && now - this.lastLossLog >= LOSS_LOG_INTERVAL_MS) {
      this.logger.error({ clicks: this.lostSinceLog, reason }, 'link clicks not recorded');
      this.lostSinceLog = 0;
      this.lastLossLog = now;
    }
  }

  /** Writes a batch; says how many of its clicks the database refused, if any. */
  private async write(clicks: readonly Click[]): Promise<{ count: number; reason: string } | undefined> {
    const docs = clicks.map((click) => this.toDocument(click));
    try {
      return await this.insert(clicks, docs);
    } finally {
      for (const doc of docs) {
        if (doc.first) {
          this.pendingFirsts.delete(doc._id as string);
        }
      }
    }
  }

  private async insert(clicks: readonly Click[], docs: LinkClick[]): Promise<{ count: number; reason: string } | undefined> {
    const model = getLinkClickModel(this.connection);
    const outcomes = await insertOutcomes(docs.length, 'link click', () =>
      model.collection.insertMany(docs as never[], { ordered: false }),
    );
    const failed = outcomes.filter((outcome): outcome is Error => outcome instanceof Error);
    // Only a first click has a fixed id: a duplicate is that fan's repeat click on the link.
    const taken = docs.filter((doc, i) => doc.first && outcomes[i] === 'duplicate');
    const newFirsts = clicks.filter((_, i) => docs[i]!.first && outcomes[i] === 'inserted');
    for (const doc of [...taken, ...docs.filter((doc, i) => doc.first && outcomes[i] === 'inserted')]) {
      this.rememberFirst(doc._id as string);
    }
    const repeats = taken.map((doc) => ({ ...doc, _id: new Types.ObjectId(), first: false }));
    const onBroadcast = newFirsts.filter((click) => click.link.broadcast);
    await Promise.all([
      repeats.length > 0 ? model.collection.insertMany(repeats as never[], { ordered: false }) : undefined,
      // One bulk update for the batch; a click by someone who is not (or no longer) a fan matches nobody.
      onBroadcast.length > 0
        ? getFanModel(this.connection).collection.bulkWrite(
            onBroadcast.map((click) => ({
              updateOne: { filter: { openId: click.openId }, update: { $addToSet: { clickedBroadcasts: click.link.broadcast } } },
            })),
            { ordered: false },
          )
        : undefined,
    ]);
    return failed.length > 0 ? { count: failed.length, reason: failed[0]!.message } : undefined;
  }

  private rememberFirst(id: string): void {
    if (this.storedFirsts.size >= MAX_KNOWN_FIRSTS) {
      this.storedFirsts.clear();
    }
    this.storedFirsts.add(id);
  }

  /** The document of `click`: a first click when no earlier click of this fan on this link is known. */
  private toDocument(click: Click): LinkClick {
    const { code, broadcast } = click.link;
    const base = {
      code,
      at: click.at,
      via: click.via,
      ...(broadcast ? { broadcast } : {}),
      ...(click.reason ? { reason: click.reason } : {}),
    };
    if (!click.openId) {
      return { _id: new Types.ObjectId(), ...base };
    }
    const id = firstClickId(code, click.openId);
    if (this.storedFirsts.has(id) || this.pendingFirsts.has(id)) {
      return { _id: new Types.ObjectId(), ...base, openId: click.openId, first: false };
    }
    this.pendingFirsts.add(id);
    return { _id: id, ...base, openId: click.openId, first: true };
  }
}

/**
 * Command: stores clicks, many at a time. An identified fan's first click on a link takes
 * the id `<code>:<openid>`; one that finds the id taken is stored as a repeat. A first click
 * on a broadcast's link also adds the broadcast to the fan's `clickedBroadcasts`, which the
 * `clicked:<broadcast>` segment term reads.
 *
 * Clicks arriving together are written together (group commit: one insertMany, one bulk
 * update), and the redirect does not wait for the write: the fan is on their way while the
 * click is stored, so a link stays fast whatever the database is doing. A click still queued
 * when the process dies is lost; that is the price of not holding a fan at a redirect.
 */
import { Types, type Connection } from 'mongoose';
import { insertOutcomes } from '../db/write-errors.js';
import { getFanModel } from '../fans/fan-model.js';
import { GroupCommit } from '../lib/group-commit.js';
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

/** Clicks queued beyond this are dropped (and logged): a database outage must not grow memory without end. */
const MAX_QUEUED = 20_000;
const LOSS_LOG_INTERVAL_MS = 10_000;

export class ClickRecorder {
  private readonly batches: GroupCommit<Click, void>;
  private lostSinceLog = 0;
  private lastLossLog = 0;

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
  ) {
    this.batches = new GroupCommit((clicks) => this.write(clicks), { maxBatch: 500 });
  }

  /** Queues `click` and returns at once; the write happens in the next batch. */
  record(click: Click): void {
    if (this.batches.pending >= MAX_QUEUED) {
      this.lost('too many clicks waiting for the database');
      return;
    }
    this.batches.add(click).catch((error: unknown) => this.lost((error as Error).message));
  }

  /** Counts lost clicks and logs them at most every few seconds: an outage must not flood the log. */
  private lost(reason: string): void {
    this.lostSinceLog += 1;
    const now = Date.now();
    if (now - this.lastLossLog >= LOSS_LOG_INTERVAL_MS) {
      this.logger.error({ clicks: this.lostSinceLog, reason }, 'link clicks not recorded');
      this.lostSinceLog = 0;
      this.lastLossLog = now;
    }
  }

  private async write(clicks: readonly Click[]): Promise<void[]> {
    const model = getLinkClickModel(this.connection);
    const docs = clicks.map(toDocument);
    const outcomes = await insertOutcomes(docs.length, 'link click', () =>
      model.collection.insertMany(docs as never[], { ordered: false }),
    );
    const failed = outcomes.find((outcome): outcome is Error => outcome instanceof Error);
    if (failed) {
      throw failed;
    }
    // Only a first click has a fixed id: a duplicate is that fan's repeat click on the link.
    const taken = new Set(outcomes.flatMap((outcome, i) => (outcome === 'duplicate' ? [i] : [])));
    const repeats = docs.filter((doc, i) => taken.has(i) && doc.first).map((doc) => ({ ...doc, _id: new Types.ObjectId(), first: false }));
    if (repeats.length > 0) {
      await model.collection.insertMany(repeats as never[], { ordered: false });
    }
    const firstOnBroadcast = clicks.filter((click, i) => docs[i]!.first && !taken.has(i) && click.link.broadcast);
    if (firstOnBroadcast.length > 0) {
      // One bulk update for the batch; a click by someone who is not (or no longer) a fan matches nobody.
      await getFanModel(this.connection).collection.bulkWrite(
        firstOnBroadcast.map((click) => ({
          updateOne: { filter: { openId: click.openId }, update: { $addToSet: { clickedBroadcasts: click.link.broadcast } } },
        })),
        { ordered: false },
      );
    }
    return clicks.map(() => undefined);
  }
}

function toDocument(click: Click): LinkClick {
  const { code, broadcast } = click.link;
  const base = {
    code,
    at: click.at,
    via: click.via,
    ...(broadcast ? { broadcast } : {}),
    ...(click.reason ? { reason: click.reason } : {}),
  };
  return click.openId
    ? { _id: firstClickId(code, click.openId), ...base, openId: click.openId, first: true }
    : { _id: new Types.ObjectId(), ...base };
}

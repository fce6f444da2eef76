/**
 * Group commit of the one fan update every inbound message makes, of the writes the feature
 * middleware make to the same fan afterwards (a pending question, the unanswered streak: see
 * update-fan.ts), and of the insert of a fan seen for the first time (touch-fan.ts). Alone, an
 * update is one `findOneAndUpdate`. Under load, the updates that queue meanwhile go out as
 * one unordered bulk update by `_id` and one `_id $in` read of the fans after it: two
 * commands for up to 50 messages instead of 50. Why: on FerretDB 1.24 a single update by
 * `_id` costs about 1.7 ms and the client has one connection (db/local-database.ts), so single
 * updates queue behind each other; in a bulk of 50 a fan's update costs 0.3–0.8 ms (more for
 * bigger documents). On MongoDB it saves the same round trips.
 *
 * A fan appears at most once per round: a fan's second message in the same batch waits for
 * the next round, so every message still sees its fan exactly as its own update left it
 * (plus any write that landed in between, as a separate read would).
 */
import type { Connection, Model, Types, UpdateQuery } from 'mongoose';
import { UPDATES_PER_COMMAND } from '../db/update-chunks.js';
import { insertOutcomes, writeErrorsOf, type InsertOutcome } from '../db/write-errors.js';
import { GroupCommit } from '../lib/group-commit.js';
import { getFanModel, type Fan } from './fan-model.js';

export interface FanWrite {
  id: Types.ObjectId;
  update: UpdateQuery<Fan>;
  /** Whether the caller wants the fan after the update (the message's own update) or not (a middleware's write). */
  wantsFan: boolean;
}

const writers = new WeakMap<Connection, FanWrites>();

export class FanWrites {
  private readonly commits: GroupCommit<FanWrite, Fan | null>;
  private readonly inserts: GroupCommit<Fan, 'inserted' | 'duplicate'>;

  private constructor(private readonly model: Model<Fan>) {
    this.commits = new GroupCommit((items) => this.flush(items), { maxBatch: UPDATES_PER_COMMAND });
    this.inserts = new GroupCommit((docs) => this.insertAll(docs), { maxBatch: UPDATES_PER_COMMAND });
  }

  /** The writer of `connection` (one per connection, so two instances in a test stay apart). */
  static of(connection: Connection): FanWrites {
    let writer = writers.get(connection);
    if (!writer) {
      writer = new FanWrites(getFanModel(connection));
      writers.set(connection, writer);
    }
    return writer;
  }

  /** Applies `update` to the fan `id`; resolves with the fan after it, or null when there is no such fan. */
  apply(id: Types.ObjectId, update: UpdateQuery<Fan>): Promise<Fan | null> {
    return this.commits.add({ id, update, wantsFan: true });
  }

  /** Applies `update` to the fan `id`, in the same group commit, without reading the fan back. */
  async update(id: Types.ObjectId, update: UpdateQuery<Fan>): Promise<void> {
    await this.commits.add({ id, update, wantsFan: false });
  }

  /**
   * Inserts a new fan (validated by the caller), grouped like the updates: a follow burst is
   * all new fans. 'duplicate' when the unique openid index says the fan exists already.
   */
  insert(doc: Fan): Promise<'inserted' | 'duplicate'> {
    return this.inserts.add(doc);
  }

  private insertAll(docs: Fan[]): Promise<InsertOutcome[]> {
    return insertOutcomes(docs.length, 'fan', () => this.model.insertMany(docs, { ordered: false }));
  }

  private async flush(items: FanWrite[]): Promise<Array<Fan | null | Error>> {
    const results: Array<Fan | null | Error> = items.map(() => null);
    let pending = items.map((item, index) => ({ item, index }));
    while (pending.length > 0) {
      const seen = new Set<string>();
      const round: typeof pending = [];
      const later: typeof pending = [];
      for (const entry of pending) {
        const key = String(entry.item.id);
        (seen.has(key) ? later : round).push(entry);
        seen.add(key);
      }
      const written = await this.writeRound(round.map((entry) => entry.item));
      round.forEach((entry, i) => {
        results[entry.index] = written[i]!;
      });
      pending = later;
    }
    return results;
  }

  /** Writes updates of distinct fans; one result per item, in order. */
  private async writeRound(items: FanWrite[]): Promise<Array<Fan | null | Error>> {
    if (items.length === 1) {
      const [{ id, update, wantsFan }] = items as [FanWrite];
      if (!wantsFan) {
        await this.model.updateOne({ _id: id }, update);
        return [null];
      }
      return [await this.model.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean<Fan>()];
    }
    const results: Array<Fan | null | Error> = items.map(() => null);
    try {
      await this.model.bulkWrite(
        items.map(({ id, update }) => ({ updateOne: { filter: { _id: id }, update } })),
        { ordered: false },
      );
    } catch (error) {
      const writeErrors = writeErrorsOf(error);
      if (!writeErrors) {
        throw error;
      }
      for (const e of writeErrors) {
        results[e.index] = new Error(`fan update failed: ${e.errmsg ?? e.code}`);
      }
    }
    const wanted = items.filter((item) => item.wantsFan).map((item) => item.id);
    const fans = wanted.length === 0 ? [] : await this.model.find({ _id: { $in: wanted } }).lean<Array<Fan & { _id: Types.ObjectId }>>();
    const byId = new Map(fans.map((fan) => [String(fan._id), fan]));
    return items.map((item, i) => results[i] ?? (item.wantsFan ? (byId.get(String(item.id)) ?? null) : null));
  }
}

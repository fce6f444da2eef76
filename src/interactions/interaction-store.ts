/**
 * Claims inbound messages for processing exactly once, across retries and instances, and
 * remembers the reply so a retry of the same message gets the same answer.
 */
import { createHash } from 'node:crypto';
import { Types, type Connection, type Model } from 'mongoose';
import { abandonStuckBatch } from '../db/batch-write-timeout.js';
import { RefusedWriteError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { GroupCommit } from '../lib/group-commit.js';
import type { Claim, ClaimResult, InteractionClaims, ReplyOutcome } from '../wechat/callback-ports.js';
import { dedupeKeyOf, type InboundMessage } from '../wechat/inbound.js';
import { getInteractionModel, type Interaction } from './interaction-model.js';
import { toStorableKeys } from './storable-keys.js';
import { insertBatch, updateBatch, type InteractionUpdate } from './write-batches.js';
import { isConnectionLoss, translateWriteFailure } from './write-failure.js';

type DeliveryState = Pick<Interaction, 'status' | 'leaseUntil' | 'reply' | 'replyMode' | 'attempts'> & { _id: Types.ObjectId };
type InsertResult = 'inserted' | 'duplicate';

export interface InteractionStoreOptions {
  clock: Clock;
  /**
   * How long a claim is held before a retry may take the message over. WeChat retries at
   * about 5 s intervals; a live worker finishes far sooner, so a claim still held after this
   * belongs to a worker that died.
   */
  leaseMs?: number;
  /** Processing attempts before a failing message is given up on (default 3). */
  maxAttempts?: number;
}

/** Persistence of the interaction log with claim/complete semantics. */
export class InteractionStore implements InteractionClaims {
  readonly maxAttempts: number;
  private readonly model: Model<Interaction>;
  private readonly clock: Clock;
  readonly leaseMs: number;
  /** Claims and completions are written in group commits (see lib/group-commit.ts). */
  private readonly inserts: GroupCommit<Interaction & { _id: Types.ObjectId }, InsertResult>;
  private readonly updates: GroupCommit<InteractionUpdate, void>;

  constructor(connection: Connection, options: InteractionStoreOptions) {
    this.model = getInteractionModel(connection);
    this.clock = options.clock;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.inserts = new GroupCommit((docs) => this.insertIsolated(docs), { abandonAfter: abandonStuckBatch('interaction claims') });
    this.updates = new GroupCommit((items) => updateBatch(this.model.collection, items), {
      abandonAfter: abandonStuckBatch('interaction completions'),
    });
  }

  /**
   * One batch insert; when the whole batch fails for a reason other than a lost connection
   * (one document too large for the driver, say), each document is tried alone, so one
   * refused message never takes the others of its batch with it.
   */
  private async insertIsolated(docs: Array<Interaction & { _id: Types.ObjectId }>): Promise<Array<InsertResult | Error>> {
    try {
      return await insertBatch(this.model.collection, docs);
    } catch (error) {
      if (docs.length === 1 || isConnectionLoss(error)) {
        throw error;
      }
    }
    return Promise.all(
      docs.map((doc) =>
        insertBatch(this.model.collection, [doc]).then(
          ([one]) => one!,
          (error: unknown) => error as Error,
        ),
      ),
    );
  }

  /**
   * Stores the message and claims it, or reports that another delivery already has.
   * @throws DatabaseUnavailableError when the database is away, RefusedWriteError when it
   * refuses the message for good.
   */
  async claim(message: InboundMessage): Promise<ClaimResult> {
    try {
      return await this.claimOnce(message);
    } catch (error) {
      throw translateWriteFailure(error, `interaction ${dedupeKeyOf(message)}`);
    }
  }

  private async claimOnce(message: InboundMessage): Promise<ClaimResult> {
    const now = this.clock.now();
    const dedupeKey = dedupeKeyOf(message);
    const id = interactionIdOf(dedupeKey);
    // The raw collection: these documents are built here, fully typed, and the hot path
    // skips mongoose's per-document casting. A per-document write error rejects (the server
    // refused this document; claim() translates it).
    const inserted = await this.inserts.add({
      _id: id,
      dedupeKey,
      openId: message.fromUserName,
      kind: message.kind,
      msgType: message.msgType,
      event: message.event,
      sentAt: new Date(message.createTime * 1000),
      receivedAt: now,
      // Element names become keys: escaped so `a.b` or `$x` is stored as data (storable-keys.ts).
      payload: toStorableKeys(message.raw),
      status: 'processing',
      leaseUntil: new Date(now.getTime() + this.leaseMs),
      attempts: 1,
    });
    return inserted === 'inserted' ? this.claimed(id, 1) : this.claimExisting(dedupeKey, now);
  }

  private async claimExisting(dedupeKey: string, now: Date): Promise<ClaimResult> {
    const existing = await this.findDelivery(dedupeKey);
    if (!existing) {
      // Refused as a duplicate, yet no delivery of this message exists: another unique index
      // refused it, and every retry would be refused the same way.
      throw new RefusedWriteError(`interaction ${dedupeKey} refused: duplicate key on another unique index`);
    }
    const attempts = existing.attempts ?? 1;
    if (existing.status === 'failed' && attempts < this.maxAttempts) {
      // An earlier attempt threw: this delivery tries again (one wins the conditional write).
      return this.takeOver({ _id: existing._id, status: 'failed' }, now, dedupeKey);
    }
    if (existing.status !== 'processing') {
      return { outcome: 'duplicate', reply: existing.reply ?? null, replyMode: existing.replyMode ?? 'none' };
    }
    if (existing.leaseUntil && existing.leaseUntil < now) {
      const dead = { _id: existing._id, status: 'processing' as const, leaseUntil: { $lt: now } };
      if (attempts >= this.maxAttempts) {
        // Every attempt died with its instance (a message that crashes the process, say):
        // trying again would crash the next one.
        const reason = 'processing never finished: the instance handling it stopped on every attempt';
        const given = await this.model.updateOne(dead, { $set: { status: 'failed', error: reason }, $unset: { leaseUntil: 1 } });
        return given.modifiedCount === 1 ? { outcome: 'exhausted', attempts, reason } : { outcome: 'in_progress', dedupeKey };
      }
      // The claim's holder died: take the message over (one retry wins the conditional write).
      return this.takeOver(dead, now, dedupeKey);
    }
    return { outcome: 'in_progress', dedupeKey };
  }

  /** Claims the interaction matching `filter` for another attempt, or reports it taken. */
  private async takeOver(filter: Record<string, unknown>, now: Date, dedupeKey: string): Promise<ClaimResult> {
    const taken = await this.model
      .findOneAndUpdate(
        filter,
        { $set: { status: 'processing', leaseUntil: new Date(now.getTime() + this.leaseMs) }, $inc: { attempts: 1 } },
        { returnDocument: 'after', projection: { _id: 1, attempts: 1 } },
      )
      .lean();
    return taken ? this.claimed(taken._id, taken.attempts ?? 1) : { outcome: 'in_progress', dedupeKey };
  }

  private claimed(id: Types.ObjectId, attempt: number): Claim {
    return { outcome: 'claimed', id, attempt, lastAttempt: attempt >= this.maxAttempts };
  }

  /**
   * Lets the operator's replay of a dead letter try `dedupeKey` afresh: a failed interaction
   * gets its attempts back; one the database refused was never stored and needs nothing.
   */
  async releaseForReplay(dedupeKey: string): Promise<void> {
    await this.model.updateOne({ _id: interactionIdOf(dedupeKey), status: 'failed' }, { $set: { attempts: 0 } });
  }

  /** The stored outcome of a finished interaction, or null while it is still processing. */
  async outcomeOf(dedupeKey: string): Promise<ReplyOutcome | null> {
    const doc = await this.findDelivery(dedupeKey);
    if (!doc || doc.status === 'processing') {
      return null;
    }
    return { reply: doc.reply ?? null, replyMode: doc.replyMode ?? 'none' };
  }

  /**
   * The stored delivery of `dedupeKey`: by its `_id` (derived from the key: the primary key
   * answers), else by the key — an interaction stored before ids were derived (a message that
   * arrived just before an upgrade).
   */
  private async findDelivery(dedupeKey: string): Promise<DeliveryState | null> {
    const projection = { status: 1, leaseUntil: 1, reply: 1, replyMode: 1, attempts: 1 };
    return (
      (await this.model.findOne({ _id: interactionIdOf(dedupeKey) }, projection).lean<DeliveryState>()) ??
      (await this.model.findOne({ dedupeKey }, projection).lean<DeliveryState>())
    );
  }

  /**
   * Waits (polling) for another delivery of the same message to finish, until `deadline`.
   * Concurrent retries then answer exactly what the first delivery answered.
   */
  async waitForOutcome(dedupeKey: string, deadline: number, pollMs = 50): Promise<ReplyOutcome | null> {
    while (Date.now() < deadline) {
      const outcome = await this.outcomeOf(dedupeKey);
      if (outcome) {
        return outcome;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
    }
    return null;
  }

  /** Records the reply and closes the claim. */
  async complete(id: Types.ObjectId, outcome: ReplyOutcome): Promise<void> {
    await this.update(id, { status: 'done', reply: outcome.reply, replyMode: outcome.replyMode });
  }

  /** Records that handling threw; the next delivery (a retry, a replay) may claim it again. */
  async fail(id: Types.ObjectId, error: unknown, outcome: ReplyOutcome): Promise<void> {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.update(id, { status: 'failed', error: text.slice(0, 2000), reply: outcome.reply, replyMode: outcome.replyMode });
  }

  /** @throws DatabaseUnavailableError or RefusedWriteError (the callback tells them apart). */
  private async update(id: Types.ObjectId, set: Record<string, unknown>): Promise<void> {
    try {
      await this.updates.add({ id, set });
    } catch (error) {
      throw translateWriteFailure(error, `interaction ${id.toHexString()} update`);
    }
  }
}

/**
 * The interaction `_id` of a delivery: the first 12 bytes of SHA-1 of its dedupe key, so every
 * delivery of one message (retries, other instances) names the same document and a retry finds
 * it by `_id` (see findDelivery). 96 bits: a collision is not expected before ~10^14 messages, and
 * the unique `dedupeKey` index still stands behind it.
 */
export function interactionIdOf(dedupeKey: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha1').update(dedupeKey).digest().subarray(0, 12));
}

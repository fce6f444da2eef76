/**
 * Claims inbound messages for processing exactly once, across retries and instances, and
 * remembers the reply so a retry of the same message gets the same answer.
 */
import { createHash } from 'node:crypto';
import { Types, type Connection, type Model } from 'mongoose';
import type { Clock } from '../lib/clock.js';
import { GroupCommit } from '../lib/group-commit.js';
import { dedupeKeyOf, type InboundMessage } from '../wechat/inbound.js';
import type { OutboundReply } from '../wechat/reply.js';
import { getInteractionModel, type Interaction, type ReplyMode } from './interaction-model.js';
import { insertBatch, updateBatch, type InteractionUpdate } from './write-batches.js';

export interface ReplyOutcome {
  reply: OutboundReply | null;
  replyMode: ReplyMode;
}

export type ClaimResult =
  | { outcome: 'claimed'; id: Types.ObjectId }
  | { outcome: 'duplicate'; reply: OutboundReply | null; replyMode: ReplyMode }
  | { outcome: 'in_progress'; dedupeKey: string };

type DeliveryState = Pick<Interaction, 'status' | 'leaseUntil' | 'reply' | 'replyMode'> & { _id: Types.ObjectId };

export interface InteractionStoreOptions {
  clock: Clock;
  /**
   * How long a claim is held before a retry may take the message over. WeChat retries at
   * about 5 s intervals; a live worker finishes far sooner, so a claim still held after this
   * belongs to a worker that died.
   */
  leaseMs?: number;
}

/** Persistence of the interaction log with claim/complete semantics. */
export class InteractionStore {
  private readonly model: Model<Interaction>;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  /** Claims and completions are written in group commits (see lib/group-commit.ts). */
  private readonly inserts: GroupCommit<Interaction & { _id: Types.ObjectId }, 'inserted' | 'duplicate'>;
  private readonly updates: GroupCommit<InteractionUpdate, void>;

  constructor(connection: Connection, options: InteractionStoreOptions) {
    this.model = getInteractionModel(connection);
    this.clock = options.clock;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.inserts = new GroupCommit((docs) => insertBatch(this.model.collection, docs));
    this.updates = new GroupCommit((items) => updateBatch(this.model.collection, items));
  }

  /** Stores the message and claims it, or reports that another delivery already has. */
  async claim(message: InboundMessage): Promise<ClaimResult> {
    const now = this.clock.now();
    const dedupeKey = dedupeKeyOf(message);
    const id = interactionIdOf(dedupeKey);
    // The raw collection: these documents are built here, fully typed, and the hot path
    // skips mongoose's per-document casting.
    const inserted = await this.inserts.add({
      _id: id,
      dedupeKey,
      openId: message.fromUserName,
      kind: message.kind,
      msgType: message.msgType,
      event: message.event,
      sentAt: new Date(message.createTime * 1000),
      receivedAt: now,
      payload: message.raw,
      status: 'processing',
      leaseUntil: new Date(now.getTime() + this.leaseMs),
    });
    return inserted === 'inserted' ? { outcome: 'claimed', id } : this.claimExisting(dedupeKey, now);
  }

  private async claimExisting(dedupeKey: string, now: Date): Promise<ClaimResult> {
    const existing = await this.findDelivery(dedupeKey);
    if (existing?.status !== 'processing') {
      return existing
        ? { outcome: 'duplicate', reply: existing.reply ?? null, replyMode: existing.replyMode ?? 'none' }
        : { outcome: 'in_progress', dedupeKey };
    }
    if (existing.leaseUntil && existing.leaseUntil < now) {
      // The claim's holder died: take the message over (one retry wins the conditional write).
      const taken = await this.model
        .findOneAndUpdate(
          { _id: existing._id, status: 'processing', leaseUntil: { $lt: now } },
          { $set: { leaseUntil: new Date(now.getTime() + this.leaseMs) } },
          { returnDocument: 'after', projection: { _id: 1 } },
        )
        .lean();
      if (taken) {
        return { outcome: 'claimed', id: taken._id };
      }
    }
    return { outcome: 'in_progress', dedupeKey };
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
   * The stored delivery of `dedupeKey`: by its `_id` (derived from the key, an index lookup on
   * FerretDB too, where a `dedupeKey` filter scans the whole interaction log), else by the key
   * — an interaction stored before ids were derived (a message that arrived just before an
   * upgrade).
   */
  private async findDelivery(dedupeKey: string): Promise<DeliveryState | null> {
    const projection = { status: 1, leaseUntil: 1, reply: 1, replyMode: 1 };
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
    await this.updates.add({ id, set: { status: 'done', reply: outcome.reply, replyMode: outcome.replyMode } });
  }

  /** Records that handling threw; the stored message stays for inspection and replay. */
  async fail(id: Types.ObjectId, error: unknown, outcome: ReplyOutcome): Promise<void> {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.updates.add({
      id,
      set: { status: 'failed', error: text.slice(0, 2000), reply: outcome.reply, replyMode: outcome.replyMode },
    });
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

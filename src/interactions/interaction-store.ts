/**
 * Claims inbound messages for processing exactly once, across retries and instances, and
 * remembers the reply so a retry of the same message gets the same answer.
 */
import type { Connection, Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
import type { Clock } from '../lib/clock.js';
import { dedupeKeyOf, type InboundMessage } from '../wechat/inbound.js';
import type { OutboundReply } from '../wechat/reply.js';
import { getInteractionModel, type Interaction, type ReplyMode } from './interaction-model.js';

export interface ReplyOutcome {
  reply: OutboundReply | null;
  replyMode: ReplyMode;
}

export type ClaimResult =
  | { outcome: 'claimed'; id: Types.ObjectId }
  | { outcome: 'duplicate'; reply: OutboundReply | null; replyMode: ReplyMode }
  | { outcome: 'in_progress'; dedupeKey: string };

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

  constructor(connection: Connection, options: InteractionStoreOptions) {
    this.model = getInteractionModel(connection);
    this.clock = options.clock;
    this.leaseMs = options.leaseMs ?? 10_000;
  }

  /** Stores the message and claims it, or reports that another delivery already has. */
  async claim(message: InboundMessage): Promise<ClaimResult> {
    const now = this.clock.now();
    const dedupeKey = dedupeKeyOf(message);
    try {
      const doc = await this.model.create({
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
      return { outcome: 'claimed', id: doc._id };
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        throw error;
      }
    }
    return this.claimExisting(dedupeKey, now);
  }

  private async claimExisting(dedupeKey: string, now: Date): Promise<ClaimResult> {
    const taken = await this.model
      .findOneAndUpdate(
        { dedupeKey, status: 'processing', leaseUntil: { $lt: now } },
        { $set: { leaseUntil: new Date(now.getTime() + this.leaseMs) } },
        { returnDocument: 'after' },
      )
      .lean();
    if (taken) {
      return { outcome: 'claimed', id: taken._id };
    }
    const existing = await this.outcomeOf(dedupeKey);
    return existing ? { outcome: 'duplicate', ...existing } : { outcome: 'in_progress', dedupeKey };
  }

  /** The stored outcome of a finished interaction, or null while it is still processing. */
  async outcomeOf(dedupeKey: string): Promise<ReplyOutcome | null> {
    const doc = await this.model.findOne({ dedupeKey }, { status: 1, reply: 1, replyMode: 1 }).lean();
    if (!doc || doc.status === 'processing') {
      return null;
    }
    return { reply: doc.reply ?? null, replyMode: doc.replyMode ?? 'none' };
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
    await this.model.updateOne(
      { _id: id },
      { $set: { status: 'done', reply: outcome.reply, replyMode: outcome.replyMode }, $unset: { leaseUntil: 1 } },
    );
  }

  /** Records that handling threw; the stored message stays for inspection and replay. */
  async fail(id: Types.ObjectId, error: unknown, outcome: ReplyOutcome): Promise<void> {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.model.updateOne(
      { _id: id },
      { $set: { status: 'failed', error: text.slice(0, 2000), reply: outcome.reply, replyMode: outcome.replyMode }, $unset: { leaseUntil: 1 } },
    );
  }
}

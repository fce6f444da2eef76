/**
 * What the callback needs from storage, declared here where it is used (STYLE.md §5.12
 * "layers point down"): interactions/ implements these; wechat/ never imports it. Stores
 * throw DatabaseUnavailableError when the database is away and RefusedWriteError when it
 * refused a write for good (errors.ts), so the callback can tell an outage from a poison.
 */
import type { InboundMessage } from './inbound.js';
import type { OutboundReply } from './reply.js';

/** How the reply went out: in the HTTP answer, later by customer-service message, or not at all. */
export type ReplyMode = 'passive' | 'deferred' | 'none';

/** What an interaction answered. */
export interface ReplyOutcome {
  reply: OutboundReply | null;
  replyMode: ReplyMode;
}

/** A claimed interaction: its store's id and which attempt at processing this is (1 = first). */
export interface Claim {
  outcome: 'claimed';
  id: unknown;
  attempt: number;
  /** No further attempt follows if this one fails: the message is then given up on. */
  lastAttempt: boolean;
}

export type ClaimResult =
  | Claim
  | { outcome: 'duplicate'; reply: OutboundReply | null; replyMode: ReplyMode }
  | { outcome: 'in_progress'; dedupeKey: string }
  /** Its last attempt never finished (the instance died each time): give the message up. */
  | { outcome: 'exhausted'; attempts: number; reason: string };

/** The interaction log with claim/complete semantics (exactly once across retries and instances). */
export interface InteractionClaims {
  /**
   * How long a claim is held: an attempt still running after this is taken for dead (another
   * delivery may take the message over), so its own runner gives it up then too.
   */
  readonly leaseMs: number;
  /** Stores the message and claims it, or says another delivery has it (or had it). */
  claim(message: InboundMessage): Promise<ClaimResult>;
  /** Waits for a concurrent delivery's outcome until `deadline` (ms since the epoch). */
  waitForOutcome(dedupeKey: string, deadline: number): Promise<ReplyOutcome | null>;
  /** Records the outcome and closes the claim. */
  complete(id: unknown, outcome: ReplyOutcome): Promise<void>;
  /** Records a failed attempt; the next delivery of the message may claim it again. */
  fail(id: unknown, error: unknown, outcome: ReplyOutcome): Promise<void>;
}

/** Whether a signed `timestamp`+`nonce` is new, came with this message before, or with another. */
export type PairVerdict = 'fresh' | 'same_message' | 'other_message';

/** Which message each signed pair came with, across instances. */
export interface SignedPairLedger {
  record(pair: string, dedupeKey: string): Promise<PairVerdict>;
}

/** A message waiting on local disk for the database (or for another attempt). */
export interface SpoolEntry {
  message: InboundMessage;
  /** When fanhook received it (ms since the epoch). */
  receivedAt: number;
  /** The signed `timestamp:nonce` of a plaintext callback, checked when it is replayed. */
  pair?: string;
}

/** Replays one entry; resolves false to keep it for the next round (the database is still away). */
export type ReplayEntry = (entry: SpoolEntry) => Promise<boolean>;

/** Messages kept on local disk while the database is away, replayed once it is back. */
export interface CallbackSpool {
  append(entry: SpoolEntry): Promise<void>;
  replayAll(replay: ReplayEntry): Promise<number>;
}

/** Why a message was given up on. */
export type DeadLetterReason = 'refused' | 'failed';

/** A message that could not be stored or processed, kept for the operator. */
export interface DeadLetter {
  message: InboundMessage;
  reason: DeadLetterReason;
  /** The last error, as text. */
  error: string;
  attempts: number;
  receivedAt: number;
}

/** Where given-up messages go (the database, or a file when it is away); logs one line each. */
export interface DeadLetterSink {
  add(letter: DeadLetter): Promise<void>;
}

/**
 * Taking a callback's message in, exactly once: the signed-pair check (plaintext callbacks),
 * then the claim in the interaction log. When the database is away or too slow the message
 * goes to the outage spool instead (answered `success`, replayed later); when the database
 * refuses it for good it goes to the dead letters (retrying would only repeat the refusal).
 */
import { DatabaseUnavailableError, RefusedWriteError, SignatureError } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import type {
  Claim,
  ClaimResult,
  CallbackSpool,
  DeadLetterReason,
  DeadLetterSink,
  InteractionClaims,
  SignedPairLedger,
  SpoolEntry,
} from './callback-ports.js';
import { beforeDeadline, DEADLINE_PASSED } from './deadline.js';
import { dedupeKeyOf, type InboundMessage } from './inbound.js';

export interface CallbackIntakeOptions {
  claims: InteractionClaims;
  /** Records each plaintext callback's timestamp+nonce (one signature, one message). */
  pairs: SignedPairLedger;
  /** Where messages wait while the database is away (WeChat's few retries would lose them). */
  spool: CallbackSpool;
  deadLetters: DeadLetterSink;
  logger: Logger;
  /**
   * How long the claim may take before the message is spooled instead (a busy database is
   * slow, not gone; the spool append still leaves time before WeChat's 5 s).
   */
  spoolAfterMs: number;
}

/** What became of a message that was not claimed: kept for replay, or given up on. */
export type NotClaimed = 'spooled' | 'dead_lettered';

/** A claim the callback goes on with (one whose attempts are exhausted is given up here). */
export type Accepted = Exclude<ClaimResult, { outcome: 'exhausted' }>;

/** What a replay does with a spooled entry: keep it for the next round, or drop it (done). */
export type SpooledIntake = Accepted | 'keep' | 'drop';

export class CallbackIntake {
  constructor(private readonly options: CallbackIntakeOptions) {}

  /**
   * Claims a live callback's message. `onLateClaim` gets a claim that landed after the message
   * was spooled for slowness (it is processed then; the spooled copy finds it done).
   * @throws SignatureError when its timestamp+nonce came with another message.
   */
  async accept(
    message: InboundMessage,
    pair: string | undefined,
    startedAt: number,
    onLateClaim: (claim: Claim) => void,
  ): Promise<Accepted | NotClaimed> {
    const { spool } = this.options;
    const work = this.checkAndClaim(message, pair);
    let outage: string;
    try {
      const result = await beforeDeadline(work, startedAt + this.options.spoolAfterMs - Date.now());
      if (result === 'forged') {
        throw new SignatureError('timestamp and nonce already used by another message');
      }
      if (result !== DEADLINE_PASSED && result.outcome === 'exhausted') {
        await this.giveUp(message, 'failed', result.reason, result.attempts, startedAt);
        return 'dead_lettered';
      }
      if (result !== DEADLINE_PASSED) {
        return result;
      }
      // Slow, not gone: if the claim still lands, the message is handled then (replies by
      // customer-service message); the spooled copy then finds it done and is dropped.
      void work.then(
        (late) => (late !== 'forged' && late.outcome === 'claimed' ? onLateClaim(late) : undefined),
        () => undefined,
      );
      outage = 'claim timed out';
    } catch (error) {
      if (error instanceof RefusedWriteError) {
        await this.giveUp(message, 'refused', error.message, 1, startedAt);
        return 'dead_lettered';
      }
      if (!(error instanceof DatabaseUnavailableError)) {
        throw error;
      }
      outage = error.message;
    }
    await spool.append({ message, receivedAt: startedAt, ...(pair === undefined ? {} : { pair }) });
    this.options.logger.warn(
      { openId: message.fromUserName, dedupeKey: dedupeKeyOf(message), reason: outage },
      'database unavailable: message spooled for replay, answered success',
    );
    return 'spooled';
  }

  /** Claims a spooled message for its replay. */
  async acceptSpooled(entry: SpoolEntry): Promise<SpooledIntake> {
    let result: ClaimResult | 'forged' | typeof DEADLINE_PASSED;
    try {
      result = await beforeDeadline(this.checkAndClaim(entry.message, entry.pair), this.options.spoolAfterMs);
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) {
        return 'keep';
      }
      await this.giveUp(entry.message, 'refused', error instanceof Error ? error.message : String(error), 1, entry.receivedAt);
      return 'drop';
    }
    if (result === DEADLINE_PASSED || (result !== 'forged' && result.outcome === 'in_progress')) {
      return 'keep';
    }
    if (result !== 'forged' && result.outcome === 'exhausted') {
      await this.giveUp(entry.message, 'failed', result.reason, result.attempts, entry.receivedAt);
      return 'drop';
    }
    if (result === 'forged') {
      this.options.logger.warn(
        { openId: entry.message.fromUserName, dedupeKey: dedupeKeyOf(entry.message) },
        'spooled message dropped: its timestamp and nonce came with another message',
      );
      return 'drop';
    }
    return result;
  }

  private async checkAndClaim(message: InboundMessage, pair: string | undefined): Promise<ClaimResult | 'forged'> {
    if (pair !== undefined && (await this.options.pairs.record(pair, dedupeKeyOf(message))) === 'other_message') {
      return 'forged';
    }
    return this.options.claims.claim(message);
  }

  private giveUp(message: InboundMessage, reason: DeadLetterReason, error: string, attempts: number, receivedAt: number): Promise<void> {
    return this.options.deadLetters.add({ message, reason, error, attempts, receivedAt });
  }
}

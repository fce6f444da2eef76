/**
 * Runs the pipeline for one claimed message under the reply deadline (STYLE.md §5.3 step 5):
 * resolves with what to answer at the pipeline's end or at the deadline, whichever comes
 * first; after the deadline the pipeline keeps going and its replies go out by
 * customer-service message. Its end is recorded on the interaction — done, or failed with the
 * failure handed to `onFailure` (which retries or gives up). An attempt that has not settled
 * when its claim's lease runs out (a write the database never answers) fails as stalled: by
 * then another delivery may take the message over, and without a bound a message whose
 * attempt hangs would never be retried by this instance.
 */
import { DatabaseUnavailableError, StalledAttemptError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Claim, InteractionClaims, ReplyOutcome } from './callback-ports.js';
import { WechatContext, type DeferredReplySender } from './context.js';
import { beforeDeadline, DEADLINE_PASSED } from './deadline.js';
import { dedupeKeyOf, type InboundMessage } from './inbound.js';
import { ReplySlot } from './reply-slot.js';
import { heardAsText } from './voice-as-text.js';

export interface PipelineRunnerOptions {
  /** Runs the pipeline for one context. */
  run: (ctx: WechatContext) => Promise<void>;
  claims: InteractionClaims;
  deferred: DeferredReplySender;
  logger: Logger;
  clock: Clock;
  replyDeadlineMs: number;
  /** Called when an attempt failed (it decides between another attempt and giving up). */
  onFailure: (message: InboundMessage, claim: Claim, error: unknown) => Promise<void>;
  /** Waits between tries of a completion the database did not take (default 1, 2, 4, 8, 16 s). */
  completionBackoffMs?: readonly number[];
}

const COMPLETION_BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 16_000];

export class PipelineRunner {
  constructor(private readonly options: PipelineRunnerOptions) {}

  /**
   * Runs the pipeline for `message`; `passive: false` for a replay, whose HTTP answer is long
   * gone, so every reply goes by customer-service message.
   */
  async process(
    message: InboundMessage,
    claim: Claim,
    startedAt: number,
    { passive }: { passive: boolean } = { passive: true },
  ): Promise<ReplyOutcome> {
    const slot = new ReplySlot();
    if (!passive) {
      slot.close();
    }
    const logger = this.options.logger.child({ openId: message.fromUserName, msgId: message.msgId, kind: message.kind });
    // A recognised voice is handled as the fan's words (it is stored as the voice it was).
    const ctx = new WechatContext({
      message: heardAsText(message),
      slot,
      deferred: this.options.deferred,
      logger,
      clock: this.options.clock,
    });
    const outcomeNow = (): ReplyOutcome =>
      slot.reply ? { reply: slot.reply, replyMode: 'passive' } : { reply: null, replyMode: slot.closed ? 'deferred' : 'none' };

    const finished = this.withinLease(this.options.run(ctx)).then(
      async () => {
        slot.close();
        await this.recordCompletion(claim, outcomeNow(), logger);
      },
      async (error: unknown) => {
        slot.close();
        logger.error({ err: error, dedupeKey: dedupeKeyOf(message), attempt: claim.attempt }, 'pipeline failed; answered success');
        // Not recorded while the database is away: the claim's lease then lets the next attempt in.
        await this.options.claims
          .fail(claim.id, error, outcomeNow())
          .catch((failed: unknown) => logger.warn({ err: failed }, 'failed attempt not recorded'));
        await this.options.onFailure(message, claim, error);
      },
    );

    const first = await beforeDeadline(finished, startedAt + this.options.replyDeadlineMs - Date.now());
    if (first === DEADLINE_PASSED) {
      // Anything replied from now on goes out by customer-service message.
      slot.close();
      logger.warn(
        { deadlineMs: this.options.replyDeadlineMs },
        'reply deadline passed; answering now, the rest follows by customer-service message',
      );
      finished.catch((error: unknown) => logger.error({ err: error }, 'late completion failed'));
      return slot.reply ? { reply: slot.reply, replyMode: 'passive' } : { reply: null, replyMode: 'deferred' };
    }
    return outcomeNow();
  }

  /** `attempt`, or a StalledAttemptError once the claim's lease has run out before it settled. */
  private async withinLease(attempt: Promise<void>): Promise<void> {
    const { leaseMs } = this.options.claims;
    if ((await beforeDeadline(attempt, leaseMs)) === DEADLINE_PASSED) {
      throw new StalledAttemptError(`processing did not finish within the claim's ${leaseMs / 1000} s lease`);
    }
  }

  /**
   * Records the outcome of a processed message. A database that lost its connection gets a
   * few more tries over half a minute, because an interaction left `processing` would be
   * processed again once its lease runs out; the fan's answer does not wait for them.
   */
  private async recordCompletion(claim: Claim, outcome: ReplyOutcome, logger: Logger): Promise<void> {
    const waits = this.options.completionBackoffMs ?? COMPLETION_BACKOFF_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.options.claims.complete(claim.id, outcome);
        return;
      } catch (error) {
        const wait = waits[attempt];
        if (!(error instanceof DatabaseUnavailableError) || wait === undefined) {
          logger.error({ err: error }, 'completion not recorded; the interaction stays processing until its lease runs out');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}

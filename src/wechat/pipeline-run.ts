/**
 * Runs the pipeline for one claimed message under the reply deadline (STYLE.md §5.3 step 5):
 * resolves with what to answer at the pipeline's end or at the deadline, whichever comes
 * first; after the deadline the pipeline keeps going and its replies go out by
 * customer-service message. Its end is recorded on the interaction — done, or failed with the
 * failure handed to `onFailure` (which retries or gives up).
 */
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
  /** Called after a failed attempt is recorded. */
  onFailure: (message: InboundMessage, claim: Claim, error: unknown) => Promise<void>;
}

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

    const finished = this.options.run(ctx).then(
      async () => {
        slot.close();
        await this.options.claims.complete(claim.id, outcomeNow());
      },
      async (error: unknown) => {
        slot.close();
        logger.error({ err: error, dedupeKey: dedupeKeyOf(message), attempt: claim.attempt }, 'pipeline failed; answered success');
        await this.options.claims.fail(claim.id, error, outcomeNow());
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
}

/**
 * The context one inbound update travels through the pipeline with: the typed message, the
 * API client, and `reply()`, which answers passively while it can and by customer-service
 * message after that.
 */
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import type { InboundMessage, InboundKind, InboundOf } from './inbound.js';
import type { OutboundReply } from './reply.js';
import type { ReplySlot } from './reply-slot.js';

/** Delivers a reply that missed the passive slot (customer-service API, window-aware). */
export interface DeferredReplySender {
  sendDeferred(openId: string, reply: OutboundReply): Promise<void>;
}

export interface WechatContextOptions {
  message: InboundMessage;
  slot: ReplySlot;
  deferred: DeferredReplySender;
  logger: Logger;
  clock: Clock;
}

export class WechatContext {
  readonly message: InboundMessage;
  readonly logger: Logger;
  readonly clock: Clock;
  private readonly slot: ReplySlot;
  private readonly deferred: DeferredReplySender;
  private repliesSent = 0;
  private transform: ((reply: OutboundReply) => Promise<OutboundReply>) | undefined;

  constructor(options: WechatContextOptions) {
    this.message = options.message;
    this.slot = options.slot;
    this.deferred = options.deferred;
    this.logger = options.logger;
    this.clock = options.clock;
  }

  /** The fan's openid (the sender of the update). */
  get openId(): string {
    return this.message.fromUserName;
  }

  /** How many replies this update produced so far (passive or deferred). */
  get replyCount(): number {
    return this.repliesSent;
  }

  /** True once anything answered this update. */
  get replied(): boolean {
    return this.repliesSent > 0;
  }

  /**
   * Answers the fan. The first reply before the deadline becomes the passive XML answer;
   * later ones go out through the customer-service API.
   * @example await ctx.reply(textReply('欢迎关注！'));
   */
  async reply(original: OutboundReply): Promise<void> {
    this.repliesSent += 1;
    const reply = this.transform ? await this.transform(original) : original;
    if (this.slot.fill(reply)) {
      return;
    }
    if (reply.type === 'transfer_customer_service') {
      // Only a passive answer can hand a message to WeChat's own customer service.
      this.logger.warn({ openId: this.openId }, 'transfer_customer_service missed the passive reply; not deliverable later');
      return;
    }
    await this.deferred.sendDeferred(this.openId, reply);
  }

  /**
   * From now on every reply of this update passes through `transform` first (the
   * conversation's replies get tracked links; answers to admin commands, sent earlier, do not).
   */
  transformReplies(transform: (reply: OutboundReply) => Promise<OutboundReply>): void {
    this.transform = transform;
  }

  /** Type guard narrowing `message` to the given kinds. */
  has<K extends InboundKind>(...kinds: K[]): this is this & { message: InboundOf<K> } {
    return (kinds as InboundKind[]).includes(this.message.kind);
  }
}

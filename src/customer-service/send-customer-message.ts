/**
 * Command: sends a customer-service message only when WeChat would accept it, keeping count
 * of each fan's allowance (5 messages per fan message within 48 h, 3 per menu click, follow or
 * scan within 1 min — WECHAT.md §5.2). The allowance is reserved atomically before the call,
 * so concurrent senders never overspend it.
 */
import type { Connection, Model } from 'mongoose';
import { AppError, WechatApiError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import type { DeferredReplySender } from '../wechat/context.js';
import type { OutboundReply } from '../wechat/reply.js';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import { toCustomMessageBody } from './custom-message-body.js';

export const MESSAGE_WINDOW_MS = 48 * 60 * 60 * 1000;
export const MESSAGE_ALLOWANCE = 5;
export const TRIGGER_WINDOW_MS = 60 * 1000;
export const TRIGGER_ALLOWANCE = 3;

/** The fan cannot be reached by customer-service message right now. */
export class OutOfWindowError extends AppError {
  readonly openId: string;
  constructor(openId: string, reason: 'window_closed' | 'allowance_used' | 'not_deliverable') {
    super(`cannot send a customer-service message to ${openId}: ${reason}`, { code: reason, status: 409, expose: true });
    this.openId = openId;
  }
}

export interface CustomerServiceSenderOptions {
  connection: Connection;
  api: WechatApiClient;
  clock: Clock;
  logger: Logger;
}

type Allowance = 'message' | 'trigger';

export class CustomerServiceSender implements DeferredReplySender {
  private readonly fans: Model<Fan>;

  constructor(private readonly options: CustomerServiceSenderOptions) {
    this.fans = getFanModel(options.connection);
  }

  /**
   * Sends `reply` to `openId`.
   * @throws OutOfWindowError when no allowance is left; WechatApiError when WeChat refuses.
   */
  async send(openId: string, reply: OutboundReply, kfAccount?: string): Promise<void> {
    const body = toCustomMessageBody(openId, reply, kfAccount);
    if (!body) {
      throw new OutOfWindowError(openId, 'not_deliverable');
    }
    const allowance = await this.reserve(openId);
    try {
      await this.options.api.post('/cgi-bin/message/custom/send', body);
    } catch (error) {
      await this.settleFailure(openId, allowance, error);
      throw error;
    }
  }

  /** For replies that missed the passive slot: failures are logged, never thrown into the pipeline. */
  async sendDeferred(openId: string, reply: OutboundReply): Promise<void> {
    try {
      await this.send(openId, reply);
    } catch (error) {
      this.options.logger.warn({ openId, err: (error as Error).message }, 'deferred reply not delivered');
    }
  }

  /** How many messages the fan can still receive now (0 when the window is closed). */
  async remainingAllowance(openId: string): Promise<number> {
    const fan = await this.fans.findOne({ openId }, { csWindow: 1 }).lean();
    const left = remainingOf(fan?.csWindow, this.options.clock.now().getTime());
    return left.message + left.trigger;
  }

  private async reserve(openId: string): Promise<Allowance> {
    const now = this.options.clock.now().getTime();
    const byMessage = await this.fans.updateOne(
      { openId, 'csWindow.messageAt': { $gt: new Date(now - MESSAGE_WINDOW_MS) }, 'csWindow.messageUsed': { $lt: MESSAGE_ALLOWANCE } },
      { $inc: { 'csWindow.messageUsed': 1 } },
    );
    if (byMessage.modifiedCount === 1) {
      return 'message';
    }
    const byTrigger = await this.fans.updateOne(
      { openId, 'csWindow.triggerAt': { $gt: new Date(now - TRIGGER_WINDOW_MS) }, 'csWindow.triggerUsed': { $lt: TRIGGER_ALLOWANCE } },
      { $inc: { 'csWindow.triggerUsed': 1 } },
    );
    if (byTrigger.modifiedCount === 1) {
      return 'trigger';
    }
    const fan = await this.fans.findOne({ openId }, { csWindow: 1 }).lean();
    const open = fan?.csWindow.messageAt && fan.csWindow.messageAt.getTime() > now - MESSAGE_WINDOW_MS;
    throw new OutOfWindowError(openId, open ? 'allowance_used' : 'window_closed');
  }

  /** Brings the local record in line with what WeChat said. */
  private async settleFailure(openId: string, allowance: Allowance, error: unknown): Promise<void> {
    if (error instanceof WechatApiError && (error.isOutOfWindow || error.isAllowanceExhausted)) {
      // WeChat knows better than our count: treat the window as spent until the fan writes again.
      await this.fans.updateOne(
        { openId },
        { $set: { 'csWindow.messageUsed': MESSAGE_ALLOWANCE, 'csWindow.triggerUsed': TRIGGER_ALLOWANCE } },
      );
      return;
    }
    if (error instanceof WechatApiError) {
      // A definite refusal (bad media, too long…) sent nothing: give the allowance back.
      const field = allowance === 'message' ? 'csWindow.messageUsed' : 'csWindow.triggerUsed';
      await this.fans.updateOne({ openId, [field]: { $gt: 0 } }, { $inc: { [field]: -1 } });
    }
    // Network errors: the message may have gone out; keep the reservation.
  }
}

/**
 * Allowance left in a window record at `now` (ms), per window: the 48-hour one a fan message
 * opens and the 1-minute one a click, follow or scan opens. They are separate quotas.
 */
export function remainingOf(window: Fan['csWindow'] | undefined, now: number): { message: number; trigger: number } {
  const message = window?.messageAt && window.messageAt.getTime() > now - MESSAGE_WINDOW_MS ? MESSAGE_ALLOWANCE - window.messageUsed : 0;
  const trigger = window?.triggerAt && window.triggerAt.getTime() > now - TRIGGER_WINDOW_MS ? TRIGGER_ALLOWANCE - window.triggerUsed : 0;
  return { message: Math.max(0, message), trigger: Math.max(0, trigger) };
}

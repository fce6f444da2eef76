/**
 * The single passive reply a callback may carry. It accepts one reply until it is closed
 * (by the end of the pipeline or by the deadline); everything after that has to go out as a
 * customer-service message (grammY's webhook reply envelope, in WeChat terms).
 */
import type { OutboundReply } from './reply.js';

export class ReplySlot {
  private value: OutboundReply | undefined;
  private isClosed = false;

  /** Takes `reply` as the passive answer; false when the slot is closed or already used. */
  fill(reply: OutboundReply): boolean {
    if (this.isClosed || this.value) {
      return false;
    }
    this.value = reply;
    return true;
  }

  close(): void {
    this.isClosed = true;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get reply(): OutboundReply | undefined {
    return this.value;
  }
}

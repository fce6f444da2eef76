/**
 * PURE: the atomic update one inbound message applies to its fan's document. Kept as data so
 * every feature's contribution lands in the same single round trip.
 */
import type { UpdateQuery } from 'mongoose';
import { USER_MESSAGE_KINDS, type InboundMessage } from '../wechat/inbound.js';
import type { Fan } from './fan-model.js';

/** Kinds that open WeChat's short (3 messages / 1 minute) customer-service allowance. */
const TRIGGER_KINDS = new Set(['menu_click', 'scancode', 'subscribe', 'scan']);

/** The update for `message` received at `now`. */
export function buildFanUpdate(message: InboundMessage, now: Date): UpdateQuery<Fan> {
  const set: Record<string, unknown> = { lastSeenAt: now };
  if (USER_MESSAGE_KINDS.has(message.kind)) {
    set['csWindow.messageAt'] = now;
    set['csWindow.messageUsed'] = 0;
  }
  if (TRIGGER_KINDS.has(message.kind)) {
    set['csWindow.triggerAt'] = now;
    set['csWindow.triggerUsed'] = 0;
  }
  if (message.kind === 'subscribe') {
    set['subscribed'] = true;
  } else if (message.kind === 'unsubscribe') {
    set['subscribed'] = false;
  }
  const setOnInsert: Record<string, unknown> = { firstSeenAt: now };
  // A fan first seen through a message (not a follow event) already follows: only followers
  // can write to an official account.
  if (message.kind !== 'subscribe' && message.kind !== 'unsubscribe') {
    setOnInsert['subscribed'] = true;
  }
  return { $set: set, $setOnInsert: setOnInsert };
}

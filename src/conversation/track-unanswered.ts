/**
 * Middleware wrapped around the conversation: keeps `fan.unansweredStreak` — the number of
 * consecutive fan messages only the fallback answered — which the handoff feature reads.
 * Atomic `$inc`/`$set` keep it right when messages arrive concurrently; a message answered
 * properly resets it (written only when it is not already 0). A message nobody answered
 * (e.g. relayed to staff) leaves it as it is.
 */
import type { Connection } from 'mongoose';
import { updateFan } from '../fans/update-fan.js';
import type { FanFlavor } from '../fans/load-fan.js';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { USER_MESSAGE_KINDS } from '../wechat/inbound.js';
import type { ConversationFlavor } from './conversation-flavor.js';

export function trackUnanswered(connection: Connection): Middleware<WechatContext & FanFlavor & ConversationFlavor> {
  return async function trackUnansweredMiddleware(ctx, next) {
    await next();
    const fan = ctx.fan;
    if (!fan || !USER_MESSAGE_KINDS.has(ctx.message.kind)) {
      return;
    }
    if (ctx.answeredBy === 'fallback') {
      await updateFan(connection, fan.openId, { $inc: { unansweredStreak: 1 } });
    } else if (ctx.replied && (fan.unansweredStreak ?? 0) > 0) {
      await updateFan(connection, fan.openId, { $set: { unansweredStreak: 0 } });
    }
  };
}

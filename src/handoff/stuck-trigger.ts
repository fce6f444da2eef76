/**
 * Middleware, just before the fallback: a fan message nothing answered, right after another
 * one only the fallback answered, means the bot is out of its depth — hand over to a person
 * instead of a second robotic "sorry".
 */
import type { Middleware } from '../wechat/composer.js';
import { USER_MESSAGE_KINDS } from '../wechat/inbound.js';
import type { HandoffDeps } from './handoff-deps.js';
import { openFromPipeline, type HandoffGateContext } from './handoff-gate.js';

/** The "bot is stuck" trigger middleware. */
export function stuckTrigger(deps: HandoffDeps): Middleware<HandoffGateContext> {
  return async function stuckTriggerMiddleware(ctx, next) {
    const fan = ctx.fan;
    const stuck =
      !ctx.replied && !ctx.senderRole && USER_MESSAGE_KINDS.has(ctx.message.kind) && fan && !fan.handoff && fan.unansweredStreak >= 1;
    if (!stuck) {
      return next();
    }
    await openFromPipeline(deps, ctx, 'stuck', `连续 ${fan.unansweredStreak + 1} 条未答上`);
  };
}

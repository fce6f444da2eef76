/**
 * Middleware, right after the command gate: a fan whose chat is held is relayed to the staff
 * member and the bot stays silent; a queued fan is told once that a person is coming; a staff
 * member's plain message goes to the fan they hold; a handoff keyword opens a handoff. It
 * reads the handoff state from `ctx.fan.handoff`, so an ordinary fan costs no extra query; a
 * fan in a handoff costs one, which checks that mark against the chat (fan-mark.ts).
 */
import type { RoleFlavor } from '../admin/command.js';
import type { FanFlavor } from '../fans/load-fan.js';
import type { WechatContext } from '../wechat/context.js';
import type { Middleware } from '../wechat/composer.js';
import { USER_MESSAGE_KINDS } from '../wechat/inbound.js';
import { textReply } from '../wechat/reply.js';
import type { FanHandoff } from '../fans/fan-model.js';
import { closeHandoff } from './close-handoff.js';
import { verifiedMark } from './fan-mark.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel } from './handoff-model.js';
import { handleKfEvent, isKfEvent } from './kf-events.js';
import { relayToFan } from './relay-to-fan.js';
import { relayToStaff } from './relay-to-staff.js';
import { startHandoff } from './start-handoff.js';
import { summarize } from './describe.js';

/** What the middleware reads: the message, the fan (with its handoff) and the sender's role. Not bot.ts's BotContext, to keep bot.ts → handoff one-way. */
export type HandoffGateContext = WechatContext & FanFlavor & RoleFlavor;

/** The handoff gate middleware (see the file comment for what it does, in order). */
export function handoffGate(deps: HandoffDeps): Middleware<HandoffGateContext> {
  return async function handoffGateMiddleware(ctx, next) {
    if (isKfEvent(ctx.message)) {
      return handleKfEvent(deps, ctx.message);
    }
    const marked = ctx.fan?.handoff;
    const active = marked ? await verifiedMark(deps, ctx.openId, marked) : undefined;
    if (active) {
      return inHandoff(deps, ctx, active, next);
    }
    if (marked && ctx.fan) {
      // The mark outlived its chat (see fan-mark.ts): this is an ordinary fan again.
      ctx.fan = { ...ctx.fan, handoff: undefined };
    }
    if (ctx.senderRole && USER_MESSAGE_KINDS.has(ctx.message.kind)) {
      const answers = await relayToFan(deps, { staffOpenId: ctx.openId, message: ctx.message });
      if (answers === null) {
        return next();
      }
      for (const answer of answers) {
        await ctx.reply(textReply(answer));
      }
      return;
    }
    const keyword = !ctx.senderRole && ctx.message.kind === 'text' ? deps.settings.keywordIn(ctx.message.content) : undefined;
    if (keyword) {
      return openFromPipeline(deps, ctx, 'keyword', keyword);
    }
    return next();
  };
}

/** Opens a handoff for the sender and answers them (notice, or transfer to WeChat's customer service). */
export async function openFromPipeline(
  deps: HandoffDeps,
  ctx: HandoffGateContext,
  reason: 'keyword' | 'stuck',
  detail?: string,
): Promise<void> {
  const result = await startHandoff(deps, { openId: ctx.openId, reason, reasonDetail: detail });
  for (const reply of result.fanReplies) {
    await ctx.reply(reply);
  }
}

async function inHandoff(deps: HandoffDeps, ctx: HandoffGateContext, active: FanHandoff, next: () => Promise<void>): Promise<void> {
  const { message } = ctx;
  if (message.kind === 'unsubscribe') {
    await closeHandoff(deps, { shortId: active.shortId, reason: 'unfollowed', by: ctx.openId });
    return next();
  }
  if (!USER_MESSAGE_KINDS.has(message.kind)) {
    // Menu clicks and other events: the bot stays silent while a person holds the chat.
    return active.status === 'held' ? undefined : next();
  }
  if (active.mode === 'native') {
    // Still waiting in WeChat's queue (or its session lapsed): keep forwarding to customer service.
    await recordFanLine(deps, active.shortId, ctx);
    return ctx.reply({ type: 'transfer_customer_service' });
  }
  if (active.status === 'held' && active.staffOpenId) {
    await relayToStaff(deps, { shortId: active.shortId, staffOpenId: active.staffOpenId, message });
    return;
  }
  const now = ctx.clock.now();
  const line = { at: now, from: 'fan', ...summarize(message), delivered: false };
  const handoffs = getHandoffModel(deps.connection);
  const first = await handoffs.updateOne(
    { shortId: active.shortId, waitNoticeAt: { $exists: false } },
    { $set: { waitNoticeAt: now }, $push: { transcript: line } },
  );
  if (first.modifiedCount === 1) {
    await ctx.reply(textReply(deps.settings.notice('stillWaiting', { shopName: deps.shopName(), shortId: active.shortId })));
    return;
  }
  await handoffs.updateOne({ shortId: active.shortId }, { $push: { transcript: line } });
}

async function recordFanLine(deps: HandoffDeps, shortId: string, ctx: HandoffGateContext): Promise<void> {
  const now = ctx.clock.now();
  await getHandoffModel(deps.connection).updateOne(
    { shortId },
    { $set: { lastActivityAt: now }, $push: { transcript: { at: now, from: 'fan', ...summarize(ctx.message), delivered: true } } },
  );
}

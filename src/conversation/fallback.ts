/**
 * Middleware: the last word for fan messages nothing else answered. Events (clicks without a
 * reply, location reports, unfollows…) get no fallback text: WeChat users do not expect an
 * answer to those, and a reply after unfollow cannot be delivered anyway.
 */
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { USER_MESSAGE_KINDS } from '../wechat/inbound.js';
import { textReply } from '../wechat/reply.js';
import type { FanFlavor } from '../fans/load-fan.js';
import type { ConversationFlavor } from './conversation-flavor.js';
import type { TemplateRegistry } from './template-registry.js';
import { renderTemplate } from './templates.js';

/** Answers what nothing else did and marks it (`answeredBy = 'fallback'`) for the unanswered streak. */
export function fallback(templates: TemplateRegistry): Middleware<WechatContext & FanFlavor & ConversationFlavor> {
  return async function fallbackMiddleware(ctx, next) {
    if (!ctx.replied && USER_MESSAGE_KINDS.has(ctx.message.kind)) {
      const { fallback: template, shopName } = templates.replies;
      ctx.answeredBy = 'fallback';
      await ctx.reply(textReply(renderTemplate(template, { shopName, fan: ctx.fan ?? {} })));
    }
    await next();
  };
}

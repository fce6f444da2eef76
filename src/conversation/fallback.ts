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
import type { TemplateRegistry } from './template-registry.js';
import { renderTemplate } from './templates.js';

export function fallback(templates: TemplateRegistry): Middleware<WechatContext & FanFlavor> {
  return async function fallbackMiddleware(ctx, next) {
    if (!ctx.replied && USER_MESSAGE_KINDS.has(ctx.message.kind)) {
      const { fallback: template, shopName } = templates.replies;
      await ctx.reply(textReply(renderTemplate(template, { shopName, fan: ctx.fan ?? {} })));
    }
    await next();
  };
}

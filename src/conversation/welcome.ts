/**
 * Middleware: greets a new follower, by the QR scene they came from when there is a text
 * for it.
 */
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { textReply } from '../wechat/reply.js';
import type { FanFlavor } from '../fans/load-fan.js';
import type { ConversationFlavor } from './conversation-flavor.js';
import type { TemplateRegistry } from './template-registry.js';
import { renderTemplate } from './templates.js';

export function welcome(templates: TemplateRegistry): Middleware<WechatContext & FanFlavor & ConversationFlavor> {
  return async function welcomeMiddleware(ctx, next) {
    if (ctx.message.kind !== 'subscribe') {
      return next();
    }
    const { welcome: texts, shopName } = templates.replies;
    const scene = ctx.message.scene;
    const template = (scene && texts.scenes.get(scene)) || texts.default;
    ctx.answeredBy = 'welcome';
    await ctx.reply(textReply(renderTemplate(template, { shopName, fan: ctx.fan ?? {}, scene })));
  };
}

/**
 * Middleware: from here on, the links in the bot's replies to the fan are tracked with a
 * signed per-fan code (SPEC.md §12: URLs in reply content are rewritten). It sits after the
 * command and handoff gates, so an admin's command answers and staff relays stay as typed.
 */
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import type { OutboundReply } from '../wechat/reply.js';
import type { LinkTracker } from './link-tracker.js';

export function trackReplyLinks(links: LinkTracker | undefined): Middleware<WechatContext> {
  return async function trackReplyLinksMiddleware(ctx, next) {
    if (links) {
      const openId = ctx.openId;
      ctx.transformReplies(async (reply): Promise<OutboundReply> => {
        if (reply.type === 'text') {
          return { type: 'text', content: await links.rewrite(reply.content, { openId }) };
        }
        if (reply.type === 'news') {
          const articles = await Promise.all(
            reply.articles.map(async (article) =>
              article.url ? { ...article, url: await links.rewrite(article.url, { openId }) } : article,
            ),
          );
          return { type: 'news', articles };
        }
        return reply;
      });
    }
    await next();
  };
}

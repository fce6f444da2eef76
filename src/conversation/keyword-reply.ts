/**
 * Middleware: answers keyword texts and menu clicks from replies.yaml, and at such a moment
 * (the fan is engaged and got a real answer) may append one profile question to the same
 * message — one message, so the question never arrives before the answer.
 */
import type { Connection } from 'mongoose';
import { updateFan } from '../fans/update-fan.js';
import type { FanFlavor } from '../fans/load-fan.js';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { textReply } from '../wechat/reply.js';
import type { ConversationFlavor } from './conversation-flavor.js';
import { pickQuestion } from './pick-question.js';
import type { TemplateRegistry } from './template-registry.js';
import { renderTemplate, type ReplyTemplates } from './templates.js';

export interface KeywordReplyDeps {
  connection: Connection;
  templates: TemplateRegistry;
}

type Ctx = WechatContext & FanFlavor & ConversationFlavor;

export function keywordReply(deps: KeywordReplyDeps): Middleware<Ctx> {
  return async function keywordReplyMiddleware(ctx, next) {
    const found = ctx.replied ? undefined : findReply(deps.templates.replies, ctx, deps.templates.menus.clickReplies);
    if (!found) {
      return next();
    }
    const { shopName } = deps.templates.replies;
    const now = ctx.clock.now();
    let text = renderTemplate(found.template, { shopName, fan: ctx.fan ?? {} });
    const question = ctx.fan ? pickQuestion(deps.templates.questions, ctx.fan, ctx.message, now) : undefined;
    if (ctx.fan && question) {
      text = `${text}\n\n${renderTemplate(question.ask, { shopName, fan: ctx.fan })}`;
      const pendingQuestion = { key: question.key, askedAt: now, attempts: 0 };
      await updateFan(deps.connection, ctx.fan.openId, { $set: { pendingQuestion, lastQuestionAt: now } });
      ctx.fan = { ...ctx.fan, pendingQuestion, lastQuestionAt: now };
    }
    ctx.answeredBy = found.by;
    await ctx.reply(textReply(text));
  };
}

/** The reply template for this text or menu click (`clickReplies`, from menus.yaml), if the merchant wrote one. */
export function findReply(
  replies: ReplyTemplates,
  ctx: WechatContext,
  clickReplies: ReadonlyMap<string, string> = new Map(),
): { template: string; by: 'keyword' | 'menu' } | undefined {
  const message = ctx.message;
  if (message.kind === 'menu_click') {
    const template = clickReplies.get(message.eventKey);
    return template ? { template, by: 'menu' } : undefined;
  }
  if (message.kind !== 'text') {
    return undefined;
  }
  const text = message.content.toLowerCase();
  const entry = replies.keywords.find((candidate) => candidate.match.some((word) => text.includes(word.toLowerCase())));
  return entry ? { template: entry.reply, by: 'keyword' } : undefined;
}

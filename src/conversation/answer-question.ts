/**
 * Middleware: when a profile question is pending and the fan writes text, takes it as the
 * answer — stores the attribute (and re-runs the rules, so "size XL" tags at once), accepts
 * "跳过", re-asks once with a hint, then gives up kindly. A text that is no answer but matches
 * a keyword reply drops the question for now and lets the keyword reply answer.
 */
import type { Connection } from 'mongoose';
import { updateFan } from '../fans/update-fan.js';
import type { FanFlavor } from '../fans/load-fan.js';
import { applyRules } from '../tagging/auto-tag.js';
import type { RuleRegistry } from '../tagging/rule-registry.js';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { textReply } from '../wechat/reply.js';
import type { ConversationFlavor } from './conversation-flavor.js';
import { findReply } from './keyword-reply.js';
import { parseAnswer } from './parse-answer.js';
import type { TemplateRegistry } from './template-registry.js';
import { renderTemplate } from './templates.js';

export interface AnswerQuestionDeps {
  connection: Connection;
  templates: TemplateRegistry;
  rules: RuleRegistry;
}

export function answerQuestion(deps: AnswerQuestionDeps): Middleware<WechatContext & FanFlavor & ConversationFlavor> {
  return async function answerQuestionMiddleware(ctx, next) {
    const fan = ctx.fan;
    const pending = fan?.pendingQuestion;
    if (!fan || !pending || ctx.replied || ctx.message.kind !== 'text') {
      return next();
    }
    const { settings, questions } = deps.templates.questions;
    const question = questions.find((candidate) => candidate.key === pending.key);
    const text = ctx.message.content.trim();
    const now = ctx.clock.now();
    const say = async (template: string, answer?: string): Promise<void> => {
      ctx.answeredBy = 'question';
      await ctx.reply(textReply(renderTemplate(template, { shopName: deps.templates.replies.shopName, fan: ctx.fan, answer })));
    };
    const giveUp = { $unset: { pendingQuestion: 1 }, $addToSet: { skippedQuestions: pending.key } };
    if (!question) {
      await updateFan(deps.connection, fan.openId, { $unset: { pendingQuestion: 1 } });
      return next();
    }
    if (settings.skipWords.some((word) => text.toLowerCase() === word.toLowerCase())) {
      await updateFan(deps.connection, fan.openId, giveUp);
      return say(settings.skipped);
    }
    const value = parseAnswer(question, text, now);
    if (value !== null) {
      await updateFan(deps.connection, fan.openId, { $set: { [`attributes.${question.key}`]: value }, $unset: { pendingQuestion: 1 } });
      const answered = { ...fan, pendingQuestion: undefined, attributes: { ...fan.attributes, [question.key]: value } };
      ctx.fan = await applyRules({ connection: deps.connection, rules: deps.rules, fan: answered, now });
      return say(question.thanks, value);
    }
    if (findReply(deps.templates.replies, ctx)) {
      await updateFan(deps.connection, fan.openId, { $unset: { pendingQuestion: 1 } });
      ctx.fan = { ...fan, pendingQuestion: undefined };
      return next();
    }
    if (pending.attempts + 1 < settings.maxAttempts) {
      await updateFan(deps.connection, fan.openId, { $set: { 'pendingQuestion.attempts': pending.attempts + 1 } });
      return say(question.retry);
    }
    await updateFan(deps.connection, fan.openId, giveUp);
    return say(settings.gaveUp);
  };
}

/**
 * PURE: the profile question to ask now, if any. Sensible moments only: the bot just gave a
 * real answer (the caller's job), no question is pending, none was asked recently, and the
 * question's `after` condition (a menu key or word) fits this interaction.
 */
import type { Fan } from '../fans/fan-model.js';
import { ownValue } from '../lib/own-value.js';
import type { InboundMessage } from '../wechat/inbound.js';
import type { ProfileQuestion, QuestionSet } from './questions.js';

const HOUR_MS = 60 * 60 * 1000;

export type QuestionFan = Pick<Fan, 'attributes'> & Partial<Pick<Fan, 'pendingQuestion' | 'skippedQuestions' | 'lastQuestionAt'>>;

/** The next question for `fan` after `message`, or undefined. */
export function pickQuestion(set: QuestionSet, fan: QuestionFan, message: InboundMessage, now: Date): ProfileQuestion | undefined {
  if (fan.pendingQuestion) {
    return undefined;
  }
  if (fan.lastQuestionAt && now.getTime() - new Date(fan.lastQuestionAt).getTime() < set.settings.minHoursBetweenQuestions * HOUR_MS) {
    return undefined;
  }
  const skipped = new Set(fan.skippedQuestions ?? []);
  return set.questions.find((question) => {
    const value = ownValue(fan.attributes, question.key);
    const answered = value !== undefined && value !== '';
    return !answered && !skipped.has(question.key) && fitsMoment(question, message);
  });
}

function fitsMoment(question: ProfileQuestion, message: InboundMessage): boolean {
  const after = question.after;
  if (!after) {
    return true;
  }
  if (message.kind === 'menu_click' && after.menuKey?.includes(message.eventKey)) {
    return true;
  }
  const text = message.kind === 'text' ? message.content.toLowerCase() : '';
  return text.length > 0 && (after.keyword ?? []).some((word) => text.includes(word.toLowerCase()));
}

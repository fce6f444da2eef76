/**
 * Context addition: what answered this update. The handoff feature reads it (with
 * `fan.unansweredStreak`) to tell "the bot could not answer" from a real answer.
 */

/** Which part of the conversation answered. */
export type AnsweredBy = 'welcome' | 'keyword' | 'menu' | 'question' | 'fallback';

export interface ConversationFlavor {
  answeredBy?: AnsweredBy;
}

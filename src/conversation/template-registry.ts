/**
 * Holds the templates in use (replies.yaml, questions.yaml) and swaps them on reload; a
 * failed reload keeps the old set, so a typo never leaves the bot speechless.
 */
import { loadQuestions, type QuestionSet } from './questions.js';
import { loadReplyTemplates, type ReplyTemplates } from './templates.js';

const NO_QUESTIONS: QuestionSet = {
  settings: { minHoursBetweenQuestions: 20, maxAttempts: 2, skipWords: [], skipped: '好的', gaveUp: '好的' },
  questions: [],
};

export class TemplateRegistry {
  private current: ReplyTemplates;
  private currentQuestions: QuestionSet;

  constructor(
    private readonly dir: string,
    initial: ReplyTemplates,
    questions: QuestionSet = NO_QUESTIONS,
  ) {
    this.current = initial;
    this.currentQuestions = questions;
  }

  /** Loads the templates directory for the first time. */
  static async load(dir: string): Promise<TemplateRegistry> {
    const [replies, questions] = await Promise.all([loadReplyTemplates(dir), loadQuestions(dir)]);
    return new TemplateRegistry(dir, replies, questions);
  }

  get replies(): ReplyTemplates {
    return this.current;
  }

  get questions(): QuestionSet {
    return this.currentQuestions;
  }

  /** Re-reads the files; on error throws and keeps using the previous templates (both files). */
  async reload(): Promise<void> {
    const [replies, questions] = await Promise.all([loadReplyTemplates(this.dir), loadQuestions(this.dir)]);
    this.current = replies;
    this.currentQuestions = questions;
  }
}

/**
 * Holds the templates in use (replies.yaml, questions.yaml, and the click replies of
 * menus.yaml) and swaps them on reload; a failed reload keeps the old set, so a typo never
 * leaves the bot speechless.
 */
import { ValidationError } from '../errors.js';
import { EMPTY_MENUS, loadMenuFile, type MenuSet } from '../menus/menu-file.js';
import { loadQuestions, type QuestionSet } from './questions.js';
import { loadReplyTemplates, type ReplyTemplates } from './templates.js';

const NO_QUESTIONS: QuestionSet = {
  settings: { minHoursBetweenQuestions: 20, maxAttempts: 2, skipWords: [], skipped: '好的', gaveUp: '好的' },
  questions: [],
};

export class TemplateRegistry {
  private current: ReplyTemplates;
  private currentQuestions: QuestionSet;
  private currentMenus: MenuSet;

  constructor(
    private readonly dir: string,
    initial: ReplyTemplates,
    questions: QuestionSet = NO_QUESTIONS,
    menus: MenuSet = EMPTY_MENUS,
  ) {
    this.current = initial;
    this.currentQuestions = questions;
    this.currentMenus = menus;
  }

  /** Loads the templates directory for the first time. */
  static async load(dir: string): Promise<TemplateRegistry> {
    const [replies, questions, menus] = await loadAll(dir);
    return new TemplateRegistry(dir, replies, questions, menus);
  }

  get replies(): ReplyTemplates {
    return this.current;
  }

  get questions(): QuestionSet {
    return this.currentQuestions;
  }

  /** The menus of menus.yaml and what each click button answers. */
  get menus(): MenuSet {
    return this.currentMenus;
  }

  /** Re-reads the files; on error throws and keeps using the previous templates (all files). */
  async reload(): Promise<void> {
    const [replies, questions, menus] = await loadAll(this.dir);
    this.current = replies;
    this.currentQuestions = questions;
    this.currentMenus = menus;
  }
}

/**
 * The three files as one set. Click replies come from menus.yaml, the file the published
 * buttons come from, so a key and its answer cannot drift; replies.yaml's older `menus`
 * section is read only where there is no menus.yaml.
 */
async function loadAll(dir: string): Promise<[ReplyTemplates, QuestionSet, MenuSet]> {
  const [replies, questions, menus] = await Promise.all([loadReplyTemplates(dir), loadQuestions(dir), loadMenuFile(dir)]);
  if (!menus) {
    return [replies, questions, { ...EMPTY_MENUS, clickReplies: replies.menus }];
  }
  const stray = [...replies.menus.keys()];
  if (stray.length > 0) {
    throw new ValidationError(
      `replies.yaml: menus.${stray[0]} — click replies belong in menus.yaml next to their button (one key, one answer); move or delete the menus section`,
    );
  }
  return [replies, questions, menus];
}

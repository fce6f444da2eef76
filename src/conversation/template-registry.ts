/**
 * Holds the templates in use and swaps them on reload; a failed reload keeps the old set.
 */
import { loadReplyTemplates, type ReplyTemplates } from './templates.js';

export class TemplateRegistry {
  private current: ReplyTemplates;

  constructor(
    private readonly dir: string,
    initial: ReplyTemplates,
  ) {
    this.current = initial;
  }

  /** Loads the templates directory for the first time. */
  static async load(dir: string): Promise<TemplateRegistry> {
    return new TemplateRegistry(dir, await loadReplyTemplates(dir));
  }

  get replies(): ReplyTemplates {
    return this.current;
  }

  /** Re-reads the files; on error throws and keeps using the previous templates. */
  async reload(): Promise<void> {
    this.current = await loadReplyTemplates(this.dir);
  }
}

/**
 * Holds the auto-tagging rules in use and swaps them on `/reload`; a failed reload keeps
 * the old set (the error names the problem).
 */
import { loadRules } from './load-rules.js';
import { isTimeBased, type RuleSet, type TagRule } from './rules.js';

export class RuleRegistry {
  private set: RuleSet;
  private timeRules: TagRule[];

  constructor(
    private readonly dir: string,
    initial: RuleSet,
  ) {
    this.set = initial;
    this.timeRules = initial.rules.filter(isTimeBased);
  }

  /** Loads `rules.yaml` from the templates directory for the first time. */
  static async load(dir: string): Promise<RuleRegistry> {
    return new RuleRegistry(dir, await loadRules(dir));
  }

  get current(): RuleSet {
    return this.set;
  }

  /** The rules the periodic sweep runs (time-based, not tied to a message). */
  get sweepRules(): readonly TagRule[] {
    return this.timeRules;
  }

  /** Names of the tags mirrored to WeChat. */
  syncedTagNames(): Set<string> {
    return new Set(this.set.tags.filter((tag) => tag.sync).map((tag) => tag.name));
  }

  /** Re-reads the file; on error throws and keeps the previous rules. */
  async reload(): Promise<void> {
    const next = await loadRules(this.dir);
    this.set = next;
    this.timeRules = next.rules.filter(isTimeBased);
  }
}

/**
 * PURE: a fan's tag list after adding and removing tags. A tag already present keeps its
 * original reason and time (the first reason is the one `/fan` should tell).
 */
import type { FanTag } from '../fans/fan-model.js';

/** A tag to add, with why. */
export interface TagAddition {
  name: string;
  source: FanTag['source'];
  /** The rule id from rules.yaml when `source` is 'rule'. */
  ruleId?: string;
  /** The admin openid when `source` is 'manual'. */
  by?: string;
}

export interface TagMerge {
  tags: FanTag[];
  added: string[];
  removed: string[];
}

/** Normalises a tag name: trimmed, inner whitespace collapsed. */
export function normalizeTagName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

/** The merged list; `added`/`removed` name what actually changed (both empty: no write needed). */
export function mergeTags(current: readonly FanTag[], add: readonly TagAddition[], remove: readonly string[], now: Date): TagMerge {
  const removeSet = new Set(remove.map(normalizeTagName).filter((name) => name.length > 0));
  const removed = current.filter((tag) => removeSet.has(tag.name)).map((tag) => tag.name);
  const tags = current.filter((tag) => !removeSet.has(tag.name));
  const present = new Set(tags.map((tag) => tag.name));
  const added: string[] = [];
  for (const addition of add) {
    const name = normalizeTagName(addition.name);
    if (name.length === 0 || present.has(name)) {
      continue;
    }
    present.add(name);
    added.push(name);
    tags.push({
      name,
      source: addition.source,
      ...(addition.ruleId ? { ruleId: addition.ruleId } : {}),
      ...(addition.by ? { by: addition.by } : {}),
      at: now,
    });
  }
  // A tag both removed and re-added in one call is a no-op, not a change.
  const reAdded = new Set(added.filter((name) => removed.includes(name)));
  return {
    tags,
    added: added.filter((name) => !reAdded.has(name)),
    removed: removed.filter((name) => !reAdded.has(name)),
  };
}

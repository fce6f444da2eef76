/**
 * PURE: a fan's tag change — which tags to add and remove, normalised — and the tag list it
 * leads to. A tag already present keeps its original reason and time (the first reason is the
 * one `/fan` should tell); a tag both removed and re-added in one change stays as it was.
 * The database applies the same change atomically (tag-change-update.ts); `mergeTags` tells
 * from the list as it was before what the write did.
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

/** A change in normal form: additions unique by name, no name both added and removed. */
export interface TagChange {
  add: FanTag[];
  remove: string[];
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

/** The change in normal form, new tags stamped with `now`. */
export function tagChangeOf(add: readonly TagAddition[], remove: readonly string[], now: Date): TagChange {
  const additions = new Map<string, FanTag>();
  for (const addition of add) {
    const name = normalizeTagName(addition.name);
    if (name.length === 0 || additions.has(name)) {
      continue;
    }
    additions.set(name, {
      name,
      source: addition.source,
      ...(addition.ruleId ? { ruleId: addition.ruleId } : {}),
      ...(addition.by ? { by: addition.by } : {}),
      at: now,
    });
  }
  const removals = new Set(remove.map(normalizeTagName).filter((name) => name.length > 0 && !additions.has(name)));
  return { add: [...additions.values()], remove: [...removals] };
}

/** The list after `change`; `added`/`removed` name what actually changed (both empty: nothing did). */
export function applyTagChange(current: readonly FanTag[], change: TagChange): TagMerge {
  const removeSet = new Set(change.remove);
  const removed = current.filter((tag) => removeSet.has(tag.name)).map((tag) => tag.name);
  const tags = current.filter((tag) => !removeSet.has(tag.name));
  const present = new Set(tags.map((tag) => tag.name));
  const fresh = change.add.filter((tag) => !present.has(tag.name));
  return { tags: [...tags, ...fresh], added: fresh.map((tag) => tag.name), removed };
}

/** The merged list of `current` after adding and removing tags at `now`. */
export function mergeTags(current: readonly FanTag[], add: readonly TagAddition[], remove: readonly string[], now: Date): TagMerge {
  return applyTagChange(current, tagChangeOf(add, remove, now));
}

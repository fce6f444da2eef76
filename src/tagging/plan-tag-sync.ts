/**
 * PURE: which WeChat tags to add to / remove from each fan so WeChat mirrors the fan's
 * synced fanhook tags — at most 20 per fan (WeChat's limit, 45059), oldest reasons first —
 * grouped per tag in batches of at most 50 openids (40032).
 */
import type { Fan } from '../fans/fan-model.js';

export const MAX_WECHAT_TAGS_PER_FAN = 20;
export const MAX_OPENIDS_PER_CALL = 50;

export type SyncFan = Pick<Fan, 'openId' | 'subscribed'> & Partial<Pick<Fan, 'tags' | 'syncedTags'>>;

export interface TagSyncPlan {
  /** tag name → openids, each list ≤ 50. */
  untag: Map<string, string[][]>;
  tag: Map<string, string[][]>;
  /** openId → the synced tag names once the plan is done. */
  target: Map<string, string[]>;
}

/** The synced tag names a fan should carry on WeChat. */
export function desiredWechatTags(fan: SyncFan, synced: ReadonlySet<string>): string[] {
  if (!fan.subscribed) {
    return [];
  }
  return [...(fan.tags ?? [])]
    .filter((tag) => synced.has(tag.name))
    .sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime())
    .slice(0, MAX_WECHAT_TAGS_PER_FAN)
    .map((tag) => tag.name);
}

/** Plans the calls for a page of fans. Untagging runs first so a fan never exceeds 20. */
export function planTagSync(fans: readonly SyncFan[], synced: ReadonlySet<string>): TagSyncPlan {
  const untag = new Map<string, string[]>();
  const tag = new Map<string, string[]>();
  const target = new Map<string, string[]>();
  for (const fan of fans) {
    if (!fan.subscribed) {
      // WeChat drops an unfollowed fan from its tags; calls for it would only fail (40003).
      target.set(fan.openId, []);
      continue;
    }
    const desired = desiredWechatTags(fan, synced);
    const current = new Set(fan.syncedTags ?? []);
    for (const name of current) {
      if (!desired.includes(name)) {
        untag.set(name, [...(untag.get(name) ?? []), fan.openId]);
      }
    }
    for (const name of desired) {
      if (!current.has(name)) {
        tag.set(name, [...(tag.get(name) ?? []), fan.openId]);
      }
    }
    target.set(fan.openId, desired);
  }
  return { untag: chunked(untag), tag: chunked(tag), target };
}

function chunked(byTag: Map<string, string[]>): Map<string, string[][]> {
  return new Map(
    [...byTag].map(([name, openIds]) => [
      name,
      Array.from({ length: Math.ceil(openIds.length / MAX_OPENIDS_PER_CALL) }, (_, i) =>
        openIds.slice(i * MAX_OPENIDS_PER_CALL, (i + 1) * MAX_OPENIDS_PER_CALL),
      ),
    ]),
  );
}

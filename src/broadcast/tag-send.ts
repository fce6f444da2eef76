/**
 * PURE: whether a broadcast goes out as one `mass/sendall` to a WeChat user tag instead of
 * OpenID batches (SPEC.md §7, WECHAT.md §6.2). A by-tag send reaches every fan WeChat lists
 * under the tag, whoever they are, so it is used only when that is exactly the set of fans
 * fanhook's own plan would push the mass message to:
 * - the segment is exactly one `tag:X` (no NOT/OR/AND, not a product series),
 * - X is marked `sync` in rules.yaml and the sync job has created its WeChat tag,
 * - no fan of the segment goes by customer-service message (by tag it would get both),
 *   none is excluded by the monthly quota or the minimum gap, none is held out (holdout), and
 *   all get the same content,
 * - WeChat's members of X are known to be exactly the segment (`mirrorMatches`).
 * And only when it gains something: the OpenID plan needs ≥ 2 calls, or leaves a lone fan
 * unreachable (a list of one is refused; a tag of one is not). At equal cost the OpenID list
 * wins, because it is exact by construction while the tag relies on fanhook's record of
 * WeChat's tag members, which a hand edit in the MP backend could make wrong.
 */
import type { SegmentNode } from '../segments/segment-ast.js';
import type { DeliveryPlan, MassBatchPlan } from './plan-delivery.js';

/** Why a broadcast goes by OpenID list; the order is the order of the checks. */
export type TagSendRefusal =
  | 'not-one-tag'
  | 'not-synced'
  | 'no-wechat-tag'
  | 'empty'
  | 'customer-service'
  | 'quota'
  | 'holdout'
  | 'per-fan-content'
  | 'no-gain'
  | 'mirror';

export type TagSendDecision = { byTag: true; name: string; tagId: number } | { byTag: false; name?: string; reason: TagSendRefusal };

/** What fanhook knows about WeChat's members of one tag, among subscribed fans. */
export interface TagMirror {
  /** Fans recorded as carrying the WeChat tag (the sync job's `syncedTags`). */
  members: readonly string[];
  /**
   * Fans of the segment whose WeChat tags may differ from the record: a tag sync is pending
   * (`tagsDirty`, also set when a fan unfollows or follows again, since WeChat drops the tags of
   * a fan who leaves).
   */
  unsettled: number;
}

export interface TagSendInput {
  /** The broadcast's segment; null for a product series (its own audience). */
  segment: SegmentNode | null;
  syncedTags: ReadonlySet<string>;
  /** The WeChat tag id of the segment's tag, when the sync job created it. */
  tagId: number | undefined;
  /** The OpenID plan of the audience. */
  plan: DeliveryPlan;
  /** Read only once every other check passed (it costs a scan); undefined until then. */
  mirror: TagMirror | undefined;
}

/** The tag name when the segment is exactly one `tag:X`, else null. */
export function singleTagOf(segment: SegmentNode | null): string | null {
  return segment?.type === 'tag' ? segment.name : null;
}

/** Decides by tag or by OpenID list; with `mirror` undefined a passing input ends at 'mirror'. */
export function decideTagSend(input: TagSendInput): TagSendDecision {
  const name = singleTagOf(input.segment);
  if (name === null) {
    return { byTag: false, reason: 'not-one-tag' };
  }
  const refuse = (reason: TagSendRefusal): TagSendDecision => ({ byTag: false, name, reason });
  const { plan } = input;
  if (!input.syncedTags.has(name)) {
    return refuse('not-synced');
  }
  if (input.tagId === undefined) {
    return refuse('no-wechat-tag');
  }
  if (plan.total === 0) {
    return refuse('empty');
  }
  if (plan.customer.length > 0) {
    return refuse('customer-service');
  }
  if (plan.quotaExcluded.length > 0) {
    return refuse('quota');
  }
  if (plan.holdout.length > 0) {
    return refuse('holdout');
  }
  if (new Set(plan.batches.map((batch) => batch.variant)).size > 1) {
    return refuse('per-fan-content');
  }
  if (plan.batches.length < 2 && plan.unreachable.length === 0) {
    return refuse('no-gain');
  }
  if (!input.mirror || !mirrorMatches(audienceOf(plan), input.mirror)) {
    return refuse('mirror');
  }
  return { byTag: true, name, tagId: input.tagId };
}

/** True when WeChat's members of the tag are exactly `audience` and none is in doubt. */
export function mirrorMatches(audience: readonly string[], mirror: TagMirror): boolean {
  if (mirror.unsettled > 0 || mirror.members.length !== audience.length) {
    return false;
  }
  const members = new Set(mirror.members);
  return members.size === audience.length && audience.every((openId) => members.has(openId));
}

/** The plan as one by-tag batch holding every fan of the audience (lone fans included). */
export function toTagPlan(plan: DeliveryPlan, tag: { name: string; tagId: number }): DeliveryPlan {
  const batch: MassBatchPlan = { variant: plan.batches[0]?.variant ?? '', openIds: audienceOf(plan), tag };
  return { ...plan, batches: [batch], unreachable: [] };
}

/** Every fan the plan would mass-send or leaves unreachable (all of them once the other checks passed). */
function audienceOf(plan: DeliveryPlan): string[] {
  return [...plan.batches.flatMap((batch) => batch.openIds), ...plan.unreachable];
}

/** Why not by tag, in Chinese for the preview, or null when there is nothing worth saying. */
export function describeTagRefusal(decision: TagSendDecision, openIdCalls: number): string | null {
  if (decision.byTag || !decision.name) {
    return null;
  }
  const tag = `标签「${decision.name}」`;
  switch (decision.reason) {
    case 'not-one-tag':
    case 'empty':
      return null;
    case 'not-synced':
      return `${tag}没有设置同步到微信（templates/rules.yaml 里的 sync: true）`;
    case 'no-wechat-tag':
      return `${tag}还没有同步到微信`;
    case 'customer-service':
      return '有粉丝会收到客服消息，按标签群发会让他们再收到一次';
    case 'quota':
      return '有粉丝因本月群发额度或发送间隔被排除，按标签群发无法排除他们';
    case 'holdout':
      return '设置了对照组，按标签群发无法避开对照组粉丝';
    case 'per-fan-content':
      return '模板内容因人而异';
    case 'no-gain':
      return `按名单同样只需 ${openIdCalls} 次调用，且更精确`;
    case 'mirror':
      return `微信上的${tag}成员与粉丝记录尚未一致（标签同步中，或有粉丝曾取消关注）`;
  }
}

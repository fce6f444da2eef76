/**
 * Command: plans a broadcast against the fans as they are now — for the preview (numbers
 * only) and when sending starts (the plan is then written as batches, the unit of resuming).
 */
import type { Types } from 'mongoose';
import { parseSegment } from '../segments/parse-segment.js';
import { audienceFilterOf, streamAudience } from './audience.js';
import { clientMsgIdOf, getBroadcastBatchModel, type BroadcastBatch } from './broadcast-batch-model.js';
import { massBodyOf, replyOf, type ResolvedContent } from './broadcast-content.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import type { AudienceNumbers, Broadcast } from './broadcast-model.js';
import { loadBroadcastTemplates, resolveContent } from './broadcast-templates.js';
import { deliveryPlanner, type DeliveryPlan } from './plan-delivery.js';
import { readTagMirror, wechatTagIdOf } from './tag-mirror.js';
import { storeHoldout } from './holdout-model.js';
import { isHeldOut } from './holdout.js';
import { decideTagSend, singleTagOf, toTagPlan, type TagSendDecision } from './tag-send.js';
import { monthKeyIn } from './zoned-time.js';

export interface BroadcastPlan {
  plan: DeliveryPlan;
  numbers: AudienceNumbers;
  /** Mass-send message part per content variant. */
  bodies: Map<string, Record<string, unknown>>;
  /** By tag or by OpenID list, and why (the preview explains a single-tag segment sent by list). */
  tagSend: TagSendDecision;
  /** Calls the OpenID plan would use (what sending by tag saves). */
  openIdCalls: number;
}

/** Loads the audience, renders the content per fan and runs the planner. */
export async function planBroadcast(
  deps: BroadcastDeps,
  broadcast: Pick<Broadcast, 'expr' | 'system' | 'content' | 'holdout'> & { number?: number },
): Promise<BroadcastPlan> {
  const now = deps.clock.now();
  const templates = await loadBroadcastTemplates(deps.templatesDir);
  const shopName = deps.shopName();
  const bodies = new Map<string, Record<string, unknown>>();
  const planner = deliveryPlanner({
    now,
    month: monthKeyIn(now, deps.timezone),
    monthlyLimit: deps.limits.monthly,
    minGapMs: deps.limits.minGapMs,
    csReserve: deps.limits.csReserve,
    batchSize: deps.limits.batchSize,
    customerService: canGoByCustomerService(broadcast.content),
    ...(broadcast.holdout ? { heldOut: (openId: string) => isHeldOut(broadcast.holdout!, openId) } : {}),
  });
  const fields = broadcast.content.type === 'template' ? 'template' : 'plan';
  for await (const fan of streamAudience(deps.connection, audienceFilterOf(broadcast, now), { fields })) {
    const resolved = await trackLinks(deps, broadcast, resolveContent(broadcast.content, fan, templates, shopName));
    // Only templated text differs per fan; everything else is one variant.
    const variant = broadcast.content.type === 'template' && resolved.type === 'text' ? resolved.text : '';
    if (!bodies.has(variant)) {
      bodies.set(variant, massBodyOf(resolved));
    }
    planner.add({ openId: fan.openId, csWindow: fan.csWindow, massPushes: fan.massPushes, variant });
  }
  const openIdPlan = planner.finish();
  const tagSend = await chooseTagSend(deps, broadcast, openIdPlan);
  const plan = tagSend.byTag ? toTagPlan(openIdPlan, tagSend) : openIdPlan;
  return { plan, bodies, numbers: numbersOf(plan), tagSend, openIdCalls: openIdPlan.batches.length };
}

/** The by-tag decision, reading the tag's WeChat id and members only when they can matter. */
async function chooseTagSend(
  deps: BroadcastDeps,
  broadcast: Pick<Broadcast, 'expr' | 'system'>,
  plan: DeliveryPlan,
): Promise<TagSendDecision> {
  const segment = broadcast.system ? null : parseSegment(broadcast.expr);
  const name = singleTagOf(segment);
  const syncedTags = deps.syncedTags();
  const tagId = name !== null && syncedTags.has(name) ? await wechatTagIdOf(deps.connection, name) : undefined;
  const input = { segment, syncedTags, tagId, plan, mirror: undefined };
  const first = decideTagSend(input);
  // Everything else allows it: only now is the scan over the tag's members worth its cost.
  if (first.byTag || first.reason !== 'mirror' || name === null) {
    return first;
  }
  return decideTagSend({ ...input, mirror: await readTagMirror(deps.connection, name) });
}

/** The numbers shown in previews and reports. */
export function numbersOf(plan: DeliveryPlan): AudienceNumbers {
  const mass = plan.batches.reduce((sum, batch) => sum + batch.openIds.length, 0);
  return {
    total: plan.total,
    customer: plan.customer.length,
    mass,
    massCalls: plan.batches.length,
    quotaExcluded: plan.quotaExcluded.length,
    unreachable: plan.unreachable.length,
    ...(plan.holdout.length > 0 ? { holdout: plan.holdout.length } : {}),
    ...(plan.batches[0]?.tag ? { byTag: plan.batches[0].tag.name } : {}),
  };
}

/**
 * The mass-send form of a text with its links tracked for this broadcast (one code per link;
 * per-fan codes are added where a message goes to one fan, send-customer-batch.ts). Only a
 * numbered broadcast that is being sent has links: a preview shows the content as written.
 */
async function trackLinks(deps: BroadcastDeps, broadcast: { number?: number }, resolved: ResolvedContent): Promise<ResolvedContent> {
  if (!deps.links || broadcast.number === undefined || resolved.type !== 'text') {
    return resolved;
  }
  return { type: 'text', text: await deps.links.rewrite(resolved.text, { broadcast: broadcast.number }) };
}

/** Articles (mpnews) cannot go as customer-service messages; everything else can. */
function canGoByCustomerService(content: Broadcast['content']): boolean {
  if (content.type === 'notice') {
    return false; // notices have their own batch (src/notices/notice-batch.ts)
  }
  return content.type === 'template' || replyOf(content) !== null;
}

/**
 * Replaces any half-written plan of this broadcast with `planned` batches: index 0 is the
 * customer-service batch, 1… the mass batches (one `tag` batch when it goes by tag). Only
 * called before anything was sent.
 */
export async function storeBatches(
  deps: BroadcastDeps,
  broadcast: { _id: Types.ObjectId; number: number },
  planned: BroadcastPlan,
): Promise<void> {
  const batches = getBroadcastBatchModel(deps.connection);
  await batches.deleteMany({ broadcast: broadcast.number });
  await storeHoldout(deps.connection, broadcast.number, planned.plan.holdout);
  const docs: BroadcastBatch[] = [];
  if (planned.plan.customer.length > 0) {
    docs.push({
      broadcast: broadcast.number,
      index: 0,
      kind: 'customer',
      state: 'planned',
      openIds: planned.plan.customer,
      attempted: [],
      sent: [],
      failed: [],
    });
  }
  planned.plan.batches.forEach((batch, i) => {
    docs.push({
      broadcast: broadcast.number,
      index: i + 1,
      kind: batch.tag ? 'tag' : 'mass',
      state: 'planned',
      openIds: batch.openIds,
      body: planned.bodies.get(batch.variant)!,
      clientMsgId: clientMsgIdOf(broadcast._id.toHexString(), i + 1),
      ...(batch.tag ? { tagName: batch.tag.name, tagId: batch.tag.tagId } : {}),
    });
  });
  // One insert: the driver splits it into messages under MongoDB's size limit.
  await batches.insertMany(docs);
}

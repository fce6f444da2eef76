/**
 * Command: delivers the customer-service part of a broadcast — fans inside their 48-hour
 * window get their own rendering, outside the monthly mass quota. Customer-service messages
 * have no idempotency key (WECHAT.md §11), so each fan is marked `attempted` before the call:
 * after a crash a fan may miss the message, but never gets it twice.
 */
import { chunksOf } from '../db/update-chunks.js';
import { getFanModel } from '../fans/fan-model.js';
import { getBroadcastBatchModel, type BroadcastBatch } from './broadcast-batch-model.js';
import { replyOf, type BroadcastContent } from './broadcast-content.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import { loadBroadcastTemplates, resolveContent, type BroadcastTemplates, type TemplateFan } from './broadcast-templates.js';
import { AUDIENCE_PROJECTION } from './audience.js';
import type { StepOutcome } from './send-mass-batch.js';

const PARALLEL = 8;

/** Sends to every fan of the batch not attempted yet, then marks the batch finished. */
export async function sendCustomerBatch(
  deps: BroadcastDeps,
  batch: BroadcastBatch & { _id: unknown },
  content: BroadcastContent,
): Promise<StepOutcome> {
  const batches = getBroadcastBatchModel(deps.connection);
  const attempted = new Set(batch.attempted ?? []);
  const pending = batch.openIds.filter((openId) => !attempted.has(openId));
  const templates = await loadBroadcastTemplates(deps.templatesDir);
  for (const openIds of chunksOf(pending, PARALLEL)) {
    // One indexed `$in` read for the fans rendered next.
    const fans = await getFanModel(deps.connection)
      .find({ openId: { $in: openIds } }, AUDIENCE_PROJECTION)
      .lean<TemplateFan[]>();
    const fanOf = new Map(fans.map((fan) => [fan.openId, fan]));
    await Promise.all(
      openIds.map((openId) =>
        sendOne(deps, { id: batch._id, broadcast: batch.broadcast }, fanOf.get(openId) ?? { openId }, content, templates),
      ),
    );
  }
  await batches.updateOne({ _id: batch._id }, { $set: { state: 'finished' } });
  return { kind: 'done' };
}

async function sendOne(
  deps: BroadcastDeps,
  { id: batchId, broadcast: broadcastNumber }: { id: unknown; broadcast: number },
  fan: Partial<TemplateFan> & Pick<TemplateFan, 'openId'>,
  content: BroadcastContent,
  templates: BroadcastTemplates,
): Promise<void> {
  const openId = fan.openId;
  const batches = getBroadcastBatchModel(deps.connection);
  const claimed = await batches.updateOne({ _id: batchId, attempted: { $ne: openId } }, { $push: { attempted: openId } });
  if (claimed.modifiedCount !== 1) {
    return;
  }
  try {
    const resolved = resolveContent(content, fan, templates, deps.shopName());
    // One fan, one message: the links carry a signed per-fan code and need no OAuth.
    const tracked =
      deps.links && resolved.type === 'text'
        ? { type: 'text' as const, text: await deps.links.rewrite(resolved.text, { broadcast: broadcastNumber, openId }) }
        : resolved;
    const reply = replyOf(tracked);
    if (!reply) {
      throw new Error('content cannot be sent as a customer-service message');
    }
    await deps.customerService.send(openId, reply);
    await batches.updateOne({ _id: batchId }, { $push: { sent: openId } });
  } catch (error) {
    // The window closed or the allowance went to the conversation since planning.
    deps.logger.info({ openId, err: (error as Error).message }, 'broadcast customer-service message not delivered');
    await batches.updateOne({ _id: batchId }, { $push: { failed: openId } });
  }
}

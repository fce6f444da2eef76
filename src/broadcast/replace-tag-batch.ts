/**
 * Command: turns a by-tag batch that can no longer be sent exactly into ordinary OpenID
 * batches for the same fans (indexes right after it), which the run then sends as usual —
 * the quota reservation there leaves out whoever is at the limit now. Crash-safe in this
 * order: the decision is recorded first (`fallback`), so a restart finishes the fallback and
 * never sends by tag; the tag batch's pushes are given back before the new batches count
 * theirs; the new batches are upserted by index, so writing them twice writes them once;
 * `replaced` comes last.
 */
import { getBroadcastBatchModel, clientMsgIdOf, type BroadcastBatch, type TagFallback } from './broadcast-batch-model.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import { releaseMassQuota } from './mass-quota.js';
import { splitIntoBatches } from './plan-delivery.js';
import type { Batch, StepOutcome } from './send-mass-batch.js';
import { monthKeyIn } from './zoned-time.js';

export async function replaceTagBatch(
  deps: BroadcastDeps,
  tagBatch: Batch,
  broadcastId: string,
  reason: TagFallback,
): Promise<StepOutcome> {
  const batches = getBroadcastBatchModel(deps.connection);
  const month = tagBatch.quotaMonth ?? monthKeyIn(deps.clock.now(), deps.timezone);
  await batches.updateOne({ _id: tagBatch._id }, { $set: { fallback: reason, quotaMonth: month } });
  deps.logger.info({ broadcast: tagBatch.broadcast, tag: tagBatch.tagName, reason }, 'by-tag send falls back to OpenID batches');
  await releaseMassQuota({ connection: deps.connection, openIds: tagBatch.openIds, batchKey: tagBatch.clientMsgId!, month });
  const lists = splitIntoBatches(tagBatch.openIds, deps.limits.batchSize);
  for (const [i, openIds] of lists.entries()) {
    const index = tagBatch.index + 1 + i;
    const doc: BroadcastBatch = {
      broadcast: tagBatch.broadcast,
      index,
      kind: 'mass',
      state: 'planned',
      openIds,
      body: tagBatch.body!,
      clientMsgId: clientMsgIdOf(broadcastId, index),
    };
    await batches.updateOne({ broadcast: tagBatch.broadcast, index }, { $setOnInsert: doc }, { upsert: true });
  }
  await batches.updateOne({ _id: tagBatch._id }, { $set: { state: 'replaced', recipients: [] } });
  return { kind: 'done' };
}

/**
 * Command: the body of the `broadcast.send` job. Plans a queued broadcast into batches (once),
 * then moves every unfinished batch forward in order. It can stop at any point — crash,
 * restart, rate limit — and the next run continues from the batches' recorded states.
 */
import { getBroadcastBatchModel } from './broadcast-batch-model.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import type { Types } from 'mongoose';
import { sendNoticeBatch, storeNoticeBatch } from '../notices/notice-batch.js';
import { getBroadcastModel, type AudienceNumbers, type Broadcast } from './broadcast-model.js';
import { failBroadcast, maybeFinishBroadcast } from './finish-broadcast.js';
import { planBroadcast, storeBatches } from './plan-broadcast.js';
import { sendCustomerBatch } from './send-customer-batch.js';
import { sendMassBatch, type StepOutcome } from './send-mass-batch.js';
import { sendTagBatch } from './send-tag-batch.js';

/** Runs broadcast `number` as far as possible (the job keeps its lock meanwhile; jobs/send-broadcast.ts). */
export async function runBroadcast(deps: BroadcastDeps, number: number): Promise<StepOutcome> {
  const broadcasts = getBroadcastModel(deps.connection);
  let broadcast = await broadcasts.findOne({ number }).lean<Broadcast & { _id: never }>();
  // A one-off schedule fires here too; a recurring one sends copies (jobs/repeat-broadcast.ts).
  if (broadcast && (broadcast.state === 'queued' || (broadcast.state === 'scheduled' && broadcast.schedule?.kind === 'once'))) {
    // Nothing was sent yet, so planning again after a crash here is harmless.
    const numbers = await planAndStore(deps, broadcast);
    broadcast = await broadcasts
      .findOneAndUpdate(
        { number, state: broadcast.state },
        { $set: { state: 'sending', plan: numbers, sentAt: deps.clock.now() } },
        { returnDocument: 'after' },
      )
      .lean<Broadcast & { _id: never }>();
    deps.logger.info({ broadcast: number, plan: numbers }, 'broadcast planned');
  }
  if (broadcast?.state !== 'sending') {
    return { kind: 'done' };
  }
  const batchModel = getBroadcastBatchModel(deps.connection);
  // One unfinished batch at a time, in index order, read afresh: a by-tag batch that falls
  // back writes OpenID batches after itself, and this picks them up next.
  const nextBatch = (fromIndex: number) =>
    batchModel
      .findOne({ broadcast: number, state: { $in: ['planned', 'reserved'] }, index: { $gte: fromIndex } })
      .sort({ index: 1 })
      .lean();
  for (let batch = await nextBatch(0); batch; batch = await nextBatch(batch.index + 1)) {
    const outcome =
      batch.kind === 'notice'
        ? await sendNoticeBatch(deps, batch, broadcast)
        : batch.kind === 'customer'
          ? await sendCustomerBatch(deps, batch, broadcast.content)
          : batch.kind === 'tag'
            ? await sendTagBatch(deps, batch, String(broadcast._id))
            : await sendMassBatch(deps, batch);
    if (outcome.kind === 'wait') {
      deps.logger.warn({ broadcast: number, batch: batch.index, retryAt: outcome.retryAt, reason: outcome.reason }, 'broadcast paused');
      return outcome;
    }
    if (outcome.kind === 'abort') {
      deps.logger.error({ broadcast: number, batch: batch.index, error: outcome.error }, 'WeChat refused the broadcast');
      await failBroadcast(deps, number, outcome.error);
      return outcome;
    }
  }
  await broadcasts.updateOne({ number, state: 'sending' }, { $set: { state: 'sent' } });
  await maybeFinishBroadcast(deps, number);
  return { kind: 'done' };
}

/** Writes the broadcast's batches: one notice batch for a service notice, else the delivery plan. */
async function planAndStore(deps: BroadcastDeps, broadcast: Broadcast & { _id: Types.ObjectId }): Promise<AudienceNumbers> {
  if (broadcast.content.type === 'notice') {
    return storeNoticeBatch(deps, broadcast);
  }
  const planned = await planBroadcast(deps, broadcast);
  await storeBatches(deps, { _id: broadcast._id, number: broadcast.number }, planned);
  return planned.numbers;
}

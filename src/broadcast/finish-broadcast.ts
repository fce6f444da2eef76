/**
 * Command: closes a broadcast once no batch is still on its way, stores the results and sends
 * the report to the admin who confirmed it. Called after sending and after every
 * MASSSENDJOBFINISH; the state change is a compare-and-set, so the report goes out once even
 * when both happen at the same moment on two instances.
 */
import { textReply } from '../wechat/reply.js';
import { getBroadcastBatchModel, type BatchState, type MassFinish } from './broadcast-batch-model.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import { getBroadcastModel, type Broadcast } from './broadcast-model.js';
import { formatReport, resultsOf } from './broadcast-report.js';
import { releaseMassQuota } from './mass-quota.js';

const IN_FLIGHT: BatchState[] = ['planned', 'reserved', 'accepted'];

/** Finishes broadcast `number` if all its batches are done; returns whether it did. */
export async function maybeFinishBroadcast(deps: BroadcastDeps, number: number): Promise<boolean> {
  const batchModel = getBroadcastBatchModel(deps.connection);
  if ((await batchModel.countDocuments({ broadcast: number, state: { $in: IN_FLIGHT } })) > 0) {
    return false;
  }
  const batches = await batchModel.find({ broadcast: number }).lean();
  const { loneAtSend: _lone, ...results } = resultsOf(batches);
  const now = deps.clock.now();
  const finished = await getBroadcastModel(deps.connection)
    .findOneAndUpdate({ number, state: 'sent' }, { $set: { state: 'finished', results, finishedAt: now } }, { returnDocument: 'after' })
    .lean<Broadcast>();
  if (!finished) {
    return false;
  }
  await sendReport(deps, finished, formatReport(finished, batches));
  return true;
}

/** Tells the confirming admin; their window may have closed, then /report still has it. */
async function sendReport(deps: BroadcastDeps, broadcast: Broadcast, text: string): Promise<void> {
  if (!broadcast.confirmedBy) {
    return;
  }
  try {
    await deps.customerService.send(broadcast.confirmedBy, textReply(text));
    await getBroadcastModel(deps.connection).updateOne({ number: broadcast.number }, { $set: { reportedAt: deps.clock.now() } });
  } catch (error) {
    deps.logger.warn(
      { broadcast: broadcast.number, err: (error as Error).message },
      'broadcast report not delivered to the admin; available with /report',
    );
  }
}

/** Records WeChat's result for the batch with `msgId`; returns its broadcast number, or null if it is not ours. */
export async function recordMassFinish(deps: BroadcastDeps, msgId: string, finish: MassFinish): Promise<number | null> {
  const batch = await getBroadcastBatchModel(deps.connection)
    .findOneAndUpdate({ msgId, kind: { $in: ['mass', 'tag'] } }, { $set: { state: 'finished', finish } }, { returnDocument: 'after' })
    .lean();
  return batch ? batch.broadcast : null;
}

/**
 * Stops a broadcast WeChat refused (bad media…): batches not yet sent are skipped and their
 * reserved pushes given back; the admin is told why.
 */
export async function failBroadcast(deps: BroadcastDeps, number: number, reason: string): Promise<void> {
  const batchModel = getBroadcastBatchModel(deps.connection);
  const pending = await batchModel
    .find({ broadcast: number, state: { $in: ['planned', 'reserved'] } }, { clientMsgId: 1, quotaMonth: 1, state: 1, openIds: 1 })
    .lean();
  for (const batch of pending) {
    if (batch.state === 'reserved' && batch.clientMsgId && batch.quotaMonth) {
      await releaseMassQuota({ connection: deps.connection, openIds: batch.openIds, batchKey: batch.clientMsgId, month: batch.quotaMonth });
    }
    await batchModel.updateOne({ _id: batch._id }, { $set: { state: 'skipped', recipients: [] } });
  }
  const failed = await getBroadcastModel(deps.connection)
    .findOneAndUpdate(
      { number, state: { $in: ['sending', 'sent'] } },
      { $set: { state: 'failed', failure: reason, finishedAt: deps.clock.now() } },
      { returnDocument: 'after' },
    )
    .lean<Broadcast>();
  if (failed) {
    await sendReport(deps, failed, formatReport(failed, await batchModel.find({ broadcast: number }).lean()));
  }
}

/**
 * Command: moves a by-tag batch forward (tag-send.ts, WECHAT.md §6.2). First the push is
 * counted for every fan of the audience, exactly as for OpenID batches; then, right before the
 * call, the tag's members are checked once more: fanhook's record, and WeChat's own word from
 * `tags/get` (the merchant can tag fans or delete the tag by hand in the MP backend); then one
 * `mass/sendall` with `filter: { is_to_all: false, tag_id }` and the batch's clientmsgid.
 * When the reservation does not admit everybody (someone reached the limit since planning),
 * the members changed, or WeChat's tag is gone or counts other fans, a by-tag send would not
 * reach exactly the fans fanhook counted, so the batch falls back to OpenID batches instead
 * (replace-tag-batch.ts). Once the call may have reached WeChat (`tagCallAt`) only the same
 * call is retried: its clientmsgid makes a repeat answer 45065, never a 2nd job.
 */
import { forgetWechatTag } from '../tagging/forget-wechat-tag.js';
import { listWechatTags } from '../tagging/wechat-tag-list.js';
import { getBroadcastBatchModel } from './broadcast-batch-model.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import { replaceTagBatch } from './replace-tag-batch.js';
import { reserveBatchQuota, submitMassCall, type Batch, type StepOutcome } from './send-mass-batch.js';
import { readTagMirror } from './tag-mirror.js';
import { mirrorMatches } from './tag-send.js';

/** Advances the by-tag `batch` of the broadcast with ObjectId `broadcastId` as far as it can go now. */
export async function sendTagBatch(deps: BroadcastDeps, batch: Batch, broadcastId: string): Promise<StepOutcome> {
  const batches = getBroadcastBatchModel(deps.connection);
  let current = batch;
  if (current.fallback) {
    // A fallback was decided before a crash: finish it, never send by tag after all.
    return replaceTagBatch(deps, current, broadcastId, current.fallback);
  }
  if (current.state === 'planned') {
    const { recipients, month } = await reserveBatchQuota(deps, current);
    if (recipients.length < current.openIds.length) {
      return replaceTagBatch(deps, { ...current, quotaMonth: month }, broadcastId, 'quota');
    }
    await batches.updateOne({ _id: current._id }, { $set: { state: 'reserved', recipients, quotaMonth: month } });
    current = { ...current, state: 'reserved', recipients, quotaMonth: month };
  }
  if (!current.tagCallAt) {
    // Checked as late as possible: a fan tagged or untagged since planning changes who WeChat reaches.
    const mirror = await readTagMirror(deps.connection, current.tagName!);
    if (!mirrorMatches(current.recipients ?? [], mirror)) {
      return replaceTagBatch(deps, current, broadcastId, 'mirror');
    }
    // fanhook's record is right only for changes fanhook made: ask WeChat itself.
    const onWechat = (await listWechatTags(deps.api)).find((tag) => tag.id === current.tagId);
    if (!onWechat) {
      await forgetWechatTag(deps.connection, current.tagName!, current.tagId!);
      return replaceTagBatch(deps, current, broadcastId, 'wechat_deleted');
    }
    if (onWechat.count !== (current.recipients ?? []).length) {
      return replaceTagBatch(deps, current, broadcastId, 'wechat_count');
    }
  }
  const committed = async (): Promise<void> => {
    if (!current.tagCallAt) {
      await batches.updateOne({ _id: current._id }, { $set: { tagCallAt: deps.clock.now() } });
    }
  };
  return submitMassCall(deps, current, '/cgi-bin/message/mass/sendall', { filter: { is_to_all: false, tag_id: current.tagId } }, committed);
}

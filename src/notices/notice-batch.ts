/**
 * Command: the delivery of a `notice:<name>` broadcast. The whole audience (every subscribed
 * fan of the segment: no monthly quota, no 48-hour window) is written as one `notice` batch;
 * each fan is marked `attempted` before its template message, so a crash can lose a notice
 * but never send one twice. Today's template limit reached → the rest waits for tomorrow;
 * a template id WeChat refuses (40037) stops the broadcast before anyone else is tried.
 */
import type { Types } from 'mongoose';
import { audienceFilterOf, streamAudience } from '../broadcast/audience.js';
import { getBroadcastBatchModel, type BroadcastBatch } from '../broadcast/broadcast-batch-model.js';
import type { BroadcastDeps } from '../broadcast/broadcast-deps.js';
import type { AudienceNumbers, Broadcast } from '../broadcast/broadcast-model.js';
import { startOfNextDay } from '../broadcast/mass-call-log.js';
import type { StepOutcome } from '../broadcast/send-mass-batch.js';
import { WechatApiError } from '../errors.js';
import { getFanModel } from '../fans/fan-model.js';
import { NoticeLimitError } from './notice-sender.js';
import { renderNotice, type NoticeDefinition } from './notice-templates.js';
import { explainNoticeRefusal } from './staff-reply-notice.js';

/** WeChat errcodes after which no other fan can get this notice either. */
const STOPS_EVERYONE = new Set([40037, 48001]);

/** The audience of a notice broadcast, counted for its preview. */
export async function countNoticeAudience(deps: BroadcastDeps, broadcast: Pick<Broadcast, 'expr' | 'system'>): Promise<number> {
  return getFanModel(deps.connection).countDocuments(audienceFilterOf(broadcast, deps.clock.now()));
}

/** The numbers a notice broadcast shows in previews and reports: everyone by notice. */
export function noticeNumbers(total: number): AudienceNumbers {
  return { total, customer: 0, mass: 0, massCalls: 0, quotaExcluded: 0, unreachable: 0, notice: total };
}

/** Writes the broadcast's single `notice` batch (replacing a half-written one); returns its numbers. */
export async function storeNoticeBatch(
  deps: BroadcastDeps,
  broadcast: Pick<Broadcast, 'number' | 'expr' | 'system'>,
): Promise<AudienceNumbers> {
  const openIds: string[] = [];
  for await (const fan of streamAudience(deps.connection, audienceFilterOf(broadcast, deps.clock.now()), { fields: 'openId' })) {
    openIds.push(fan.openId);
  }
  const batches = getBroadcastBatchModel(deps.connection);
  await batches.deleteMany({ broadcast: broadcast.number });
  await batches.create({
    broadcast: broadcast.number,
    index: 0,
    kind: 'notice',
    state: 'planned',
    openIds,
    attempted: [],
    sent: [],
    failed: [],
  });
  return noticeNumbers(openIds.length);
}

/** Sends the notice to every fan of the batch not attempted yet. */
export async function sendNoticeBatch(
  deps: BroadcastDeps,
  batch: BroadcastBatch & { _id: Types.ObjectId | unknown },
  broadcast: Pick<Broadcast, 'number' | 'content'>,
): Promise<StepOutcome> {
  if (broadcast.content.type !== 'notice') {
    return { kind: 'abort', error: 'not a notice broadcast' };
  }
  const name = broadcast.content.name;
  let definition: NoticeDefinition | undefined;
  try {
    definition = (await deps.notices.templates()).notices.get(name);
  } catch (error) {
    return { kind: 'abort', error: `notices.yaml 有误：${(error as Error).message}` };
  }
  if (!definition) {
    return { kind: 'abort', error: `服务通知「${name}」已不在 notices.yaml 中` };
  }
  const batches = getBroadcastBatchModel(deps.connection);
  const attempted = new Set(batch.attempted ?? []);
  for (const openId of batch.openIds.filter((id) => !attempted.has(id))) {
    const claimed = await batches.updateOne({ _id: batch._id, attempted: { $ne: openId } }, { $push: { attempted: openId } });
    if (claimed.modifiedCount !== 1) {
      continue;
    }
    const fan = await getFanModel(deps.connection).findOne({ openId }, { subscriptionHistory: 0, daily: 0 }).lean();
    const rendered = renderNotice(name, definition, { shopName: deps.shopName(), fan: fan ?? { openId } });
    try {
      await deps.notices.send(openId, rendered, { broadcast: broadcast.number, clientMsgId: `fh-b${broadcast.number}-${openId}` });
      await batches.updateOne({ _id: batch._id }, { $push: { sent: openId } });
    } catch (error) {
      const waitUntilTomorrow = error instanceof NoticeLimitError || (error instanceof WechatApiError && error.errcode === 45009);
      if (waitUntilTomorrow || !(error instanceof WechatApiError)) {
        // Not sent, and worth trying again: give the fan back to the batch.
        await batches.updateOne({ _id: batch._id }, { $pull: { attempted: openId } });
        if (waitUntilTomorrow) {
          return { kind: 'wait', retryAt: startOfNextDay(deps.clock.now(), deps.timezone), reason: explainNoticeRefusal(error) };
        }
        throw error;
      }
      if (STOPS_EVERYONE.has(error.errcode)) {
        await batches.updateOne({ _id: batch._id }, { $pull: { attempted: openId } });
        return { kind: 'abort', error: explainNoticeRefusal(error) };
      }
      deps.logger.info({ openId, errcode: error.errcode }, 'service notice refused for one fan');
      await batches.updateOne({ _id: batch._id }, { $push: { failed: openId } });
    }
  }
  await batches.updateOne({ _id: batch._id }, { $set: { state: 'finished' } });
  return { kind: 'done' };
}

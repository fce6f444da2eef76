/**
 * Command: moves one mass batch forward — reserve the fans' quota and freeze the recipients,
 * then one `mass/send` call with the batch's `clientmsgid` (WECHAT.md §6.3, §6.5); the call
 * itself is shared with the by-tag batch (send-tag-batch.ts). Every step
 * is recorded before the next, and the call is safe to repeat: after a crash the same
 * clientmsgid gets 45065 with the original msg_id, which counts as success.
 */
import { NetworkError, WechatApiError } from '../errors.js';
import { getBroadcastBatchModel, type BroadcastBatch } from './broadcast-batch-model.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import { startOfNextDay, takeMassCall } from './mass-call-log.js';
import { releaseMassQuota, reserveMassQuota } from './mass-quota.js';
import { MASS_BATCH_MIN } from './plan-delivery.js';
import { monthKeyIn } from './zoned-time.js';

/** Continue, wait (rate limits, quota, transient errors) or stop the broadcast (WeChat refused it). */
export type StepOutcome = { kind: 'done' } | { kind: 'wait'; retryAt: Date; reason: string } | { kind: 'abort'; error: string };

export type Batch = BroadcastBatch & { _id: unknown };

const RETRY_LATER = new Set([-1, 45011, 45066]);

/** Advances `batch` (state planned or reserved) as far as it can go now. */
export async function sendMassBatch(deps: BroadcastDeps, batch: Batch): Promise<StepOutcome> {
  let current = batch;
  if (current.state === 'planned') {
    const reserved = await reserve(deps, current);
    if (reserved.state === 'skipped') {
      return { kind: 'done' };
    }
    current = reserved;
  }
  return submitMassCall(deps, current, '/cgi-bin/message/mass/send', { touser: current.recipients });
}

/**
 * One mass-send call for a reserved batch, within the per-minute and per-day call limits,
 * with the batch's clientmsgid; records `accepted` (45065 included). `beforeCall` runs once
 * the call is certain to be made (the by-tag batch marks itself committed there).
 */
export async function submitMassCall(
  deps: BroadcastDeps,
  current: Batch,
  path: '/cgi-bin/message/mass/send' | '/cgi-bin/message/mass/sendall',
  audience: Record<string, unknown>,
  beforeCall?: () => Promise<void>,
): Promise<StepOutcome> {
  const now = deps.clock.now();
  const budget = await takeMassCall({
    connection: deps.connection,
    now,
    timezone: deps.timezone,
    limits: deps.calls,
    clientMsgId: current.clientMsgId!,
  });
  if (!budget.ok) {
    return { kind: 'wait', retryAt: budget.retryAt, reason: budget.reason === 'daily' ? 'daily_limit' : 'minute_limit' };
  }
  await beforeCall?.();
  const body = { ...audience, ...current.body, clientmsgid: current.clientMsgId };
  let msgId: string | undefined;
  try {
    const answer = await deps.api.post(path, body, { idempotent: true });
    msgId = answer['msg_id'] === undefined ? undefined : String(answer['msg_id']);
  } catch (error) {
    const outcome = await settleFailure(deps, current, error);
    if (outcome) {
      return outcome;
    }
    // 45065: this batch was already accepted (before a crash or a lost answer).
    const existing = (error as WechatApiError).response?.['msg_id'];
    msgId = existing === undefined ? undefined : String(existing);
    deps.logger.info({ clientMsgId: current.clientMsgId, msgId }, 'mass batch already sent (45065); counted as accepted');
  }
  await getBroadcastBatchModel(deps.connection).updateOne(
    { _id: current._id },
    { $set: { state: 'accepted', msgId, acceptedAt: deps.clock.now() } },
  );
  return { kind: 'done' };
}

/** Counts the push for admissible fans and freezes them as the recipients. */
async function reserve(deps: BroadcastDeps, batch: Batch): Promise<Batch> {
  const { recipients, month } = await reserveBatchQuota(deps, batch);
  const enough = recipients.length >= MASS_BATCH_MIN;
  if (!enough) {
    // A lone fan cannot be mass-sent: give the push back and report the fan unreachable.
    await releaseMassQuota({ connection: deps.connection, openIds: batch.openIds, batchKey: batch.clientMsgId!, month });
  }
  const state = enough ? 'reserved' : 'skipped';
  await getBroadcastBatchModel(deps.connection).updateOne({ _id: batch._id }, { $set: { state, recipients, quotaMonth: month } });
  return { ...batch, state, recipients, quotaMonth: month };
}

/** Counts the push of `batch` for each of its fans still admissible (mass-quota.ts); returns who was admitted. */
export async function reserveBatchQuota(deps: BroadcastDeps, batch: Batch): Promise<{ recipients: string[]; month: string }> {
  const now = deps.clock.now();
  const month = monthKeyIn(now, deps.timezone);
  const recipients = await reserveMassQuota({
    connection: deps.connection,
    openIds: batch.openIds,
    batchKey: batch.clientMsgId!,
    month,
    now,
    limit: deps.limits.monthly,
    minGapMs: deps.limits.minGapMs,
  });
  return { recipients, month };
}

/** Null for 45065 (success); otherwise what to do about the failure. */
async function settleFailure(deps: BroadcastDeps, batch: Batch, error: unknown): Promise<StepOutcome | null> {
  if (error instanceof WechatApiError && error.errcode === 45065) {
    return null;
  }
  const now = deps.clock.now();
  if (error instanceof NetworkError || (error instanceof WechatApiError && RETRY_LATER.has(error.errcode))) {
    // Unclear whether WeChat took it: the same clientmsgid makes the retry safe.
    return {
      kind: 'wait',
      retryAt: new Date(now.getTime() + deps.retryPauseMs),
      reason: error instanceof WechatApiError ? `errcode_${error.errcode}` : 'network',
    };
  }
  if (error instanceof WechatApiError && error.isQuota) {
    return { kind: 'wait', retryAt: startOfNextDay(now, deps.timezone), reason: `errcode_${error.errcode}` };
  }
  if (error instanceof WechatApiError) {
    // A definite refusal (bad media, bad content…): nothing was sent, so the pushes go back.
    await releaseMassQuota({
      connection: deps.connection,
      openIds: batch.openIds,
      batchKey: batch.clientMsgId!,
      month: batch.quotaMonth ?? monthKeyIn(now, deps.timezone),
    });
    const message = `${error.errcode} ${error.errmsg}`;
    await getBroadcastBatchModel(deps.connection).updateOne({ _id: batch._id }, { $set: { state: 'failed', error: message } });
    return { kind: 'abort', error: message };
  }
  throw error;
}

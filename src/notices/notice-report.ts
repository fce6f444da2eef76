/**
 * PURE: the lines a notice broadcast's report adds — what went out (from its batch) and what
 * WeChat reported per fan in TEMPLATESENDJOBFINISH (delivered, `user block`, `system failed`).
 */
import type { BroadcastBatch } from '../broadcast/broadcast-batch-model.js';
import type { NoticeResult } from './notice-send-model.js';

/** Sent and refused at send time, from the notice batch; empty when the broadcast has none. */
export function noticeSentLines(batches: readonly BroadcastBatch[]): string[] {
  const batch = batches.find((b) => b.kind === 'notice');
  if (!batch) {
    return [];
  }
  const waiting = batch.openIds.length - (batch.sent?.length ?? 0) - (batch.failed?.length ?? 0);
  return [
    `服务通知：已发出 ${batch.sent?.length ?? 0} 人，微信拒绝 ${batch.failed?.length ?? 0} 人${waiting > 0 ? `，未发 ${waiting} 人` : ''}（不占每月群发额度）`,
  ];
}

/** WeChat's per-fan results (TEMPLATESENDJOBFINISH) of a notice broadcast. */
export function noticeResultLines(counts: Record<NoticeResult | 'pending', number>): string[] {
  return [
    `通知回执：送达 ${counts.delivered}，用户拒收（user block）${counts.user_block}，系统失败（system failed）${counts.system_failed}` +
      `${counts.failed > 0 ? `，其他失败 ${counts.failed}` : ''}，等待回执 ${counts.pending}`,
  ];
}

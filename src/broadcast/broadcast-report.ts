/**
 * PURE: the results of a broadcast from its batches, and the report text the merchant reads
 * (SPEC.md §7: sent, filtered, errors, excluded, unreachable).
 */
import type { BroadcastBatch, TagFallback } from './broadcast-batch-model.js';
import { describeContent } from './broadcast-content.js';
import type { Broadcast, BroadcastResults, BroadcastState } from './broadcast-model.js';
import { noticeSentLines } from '../notices/notice-report.js';

/** Totals over the batches (WeChat's counts where MASSSENDJOBFINISH arrived, ours otherwise). */
export function resultsOf(batches: readonly BroadcastBatch[]): BroadcastResults & { loneAtSend: number } {
  const results = {
    customerSent: 0,
    customerFailed: 0,
    massTotal: 0,
    massFiltered: 0,
    massSent: 0,
    massErrors: 0,
    excludedAtSend: 0,
    loneAtSend: 0,
  };
  for (const batch of batches) {
    if (batch.kind === 'notice') {
      continue; // service notices are counted by notice-report.ts
    }
    if (batch.kind === 'customer') {
      results.customerSent += batch.sent?.length ?? 0;
      results.customerFailed += batch.failed?.length ?? 0;
      continue;
    }
    if (batch.state === 'replaced') {
      continue; // a by-tag batch that fell back: its fans are counted in the OpenID batches after it
    }
    const recipients = batch.recipients?.length ?? 0;
    if (batch.state === 'skipped') {
      results.loneAtSend += recipients;
      results.excludedAtSend += batch.openIds.length - recipients;
      continue;
    }
    results.excludedAtSend += batch.recipients ? batch.openIds.length - recipients : 0;
    if (batch.finish) {
      results.massTotal += batch.finish.totalCount;
      results.massFiltered += batch.finish.totalCount - batch.finish.filterCount;
      results.massSent += batch.finish.sentCount;
      results.massErrors += batch.finish.errorCount;
    } else if (batch.state === 'accepted') {
      results.massTotal += recipients;
    }
  }
  return results;
}

const STATE_TEXT: Record<BroadcastState, string> = {
  draft: '草稿（待确认）',
  scheduled: '已定时',
  queued: '排队中',
  sending: '发送中',
  sent: '已提交，等待微信回执',
  finished: '已完成',
  cancelled: '已取消',
  failed: '失败',
};

/** The report for `/report` and for the admin when all batches are done. */
export function formatReport(broadcast: Broadcast, batches: readonly BroadcastBatch[]): string {
  const r = resultsOf(batches);
  const plan = broadcast.plan ?? broadcast.preview;
  const mass = batches.filter((b) => (b.kind === 'mass' || b.kind === 'tag') && b.state !== 'replaced');
  const lines = [
    `群发 #${broadcast.number} 报告`,
    `人群：${broadcast.expr}　内容：${describeContent(broadcast.content)}`,
    `状态：${STATE_TEXT[broadcast.state]}${broadcast.failure ? `（${broadcast.failure}）` : ''}`,
  ];
  if (plan) {
    lines.push(`目标粉丝：${plan.total} 人`);
    if (plan.holdout !== undefined) {
      lines.push(`对照组（未发送，不占额度）：${plan.holdout} 人`);
    }
  }
  if (broadcast.content.type === 'notice') {
    // No window, quota or mass send: only what the notices did.
    return [...lines, ...noticeSentLines(batches)].join('\n');
  }
  lines.push(`客服消息：送达 ${r.customerSent} 人，未送达 ${r.customerFailed} 人`);
  const way = massWayOf(batches);
  if (way) {
    lines.push(way);
  }
  if (mass.length > 0) {
    const accepted = mass.filter((b) => b.state === 'accepted' || b.state === 'finished').length;
    const finished = mass.filter((b) => b.finish).length;
    lines.push(`群发：${mass.length} 批（已提交 ${accepted}，微信已回执 ${finished}）`);
    lines.push(`群发结果：提交 ${r.massTotal} 人，发送成功 ${r.massSent}，被微信过滤 ${r.massFiltered}，失败 ${r.massErrors}`);
  }
  const excluded = (plan?.quotaExcluded ?? 0) + r.excludedAtSend;
  lines.push(`本月群发额度已满而排除：${excluded} 人`);
  lines.push(`无法送达（群发至少需 2 人）：${(plan?.unreachable ?? 0) + r.loneAtSend} 人`);
  return lines.join('\n');
}

const FALLBACK_TEXT: Record<TagFallback, string> = {
  quota: '发送前有粉丝本月群发额度已满或未到发送间隔',
  mirror: '发送前标签成员有变动',
  wechat_count: '微信公众平台上该标签的人数与记录不符（可能有人在后台手动改过标签）',
  wechat_deleted: '该标签已在微信公众平台被删除（fanhook 会重新创建并同步）',
};

/** How the mass part went out — by tag or by OpenID list — and the mass-send calls it uses. */
function massWayOf(batches: readonly BroadcastBatch[]): string | null {
  const tag = batches.find((b) => b.kind === 'tag');
  const calls = batches.filter((b) => b.kind === 'mass' && b.state !== 'skipped').length;
  if (tag && tag.state !== 'replaced' && tag.state !== 'skipped') {
    return `群发方式：按标签「${tag.tagName}」群发，1 次群发调用`;
  }
  if (tag?.fallback) {
    return `群发方式：按名单群发，${calls} 次群发调用（原计划按标签「${tag.tagName}」群发，因${FALLBACK_TEXT[tag.fallback]}改为按名单）`;
  }
  return calls > 0 ? `群发方式：按名单群发，${calls} 次群发调用` : null;
}

/**
 * /broadcast <expr> | notice:<name> (群发服务通知): the draft of a service-notice broadcast.
 * The notice is sent to the admin first as its preview — which is also the check that WeChat
 * accepts the template id (40037) — and only then is the draft made, so a refused template
 * leaves nothing behind. The preview says the notice is for service, not marketing, what it
 * uses of today's template limit, and which fields were cut to 20 characters.
 */
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { getBroadcastModel, nextBroadcastNumber, type Broadcast } from '../../broadcast/broadcast-model.js';
import { countNoticeAudience, noticeNumbers } from '../../notices/notice-batch.js';
import { describeCuts, renderNotice } from '../../notices/notice-templates.js';
import { explainNoticeRefusal } from '../../notices/staff-reply-notice.js';
import { replyUsage, type CommandContext, type CommandDefinition, type CommandOutcome } from '../command.js';

export interface NoticeDraftRequest {
  expr: string;
  name: string;
  /** A `holdout N%` directive, which notices do not support. */
  holdoutPercent?: number;
}

/** Makes the draft of a notice broadcast, or answers why not (nothing is stored then). */
export async function draftNoticeBroadcast(
  deps: BroadcastDeps,
  command: CommandContext,
  definition: CommandDefinition,
  request: NoticeDraftRequest,
): Promise<CommandOutcome> {
  if (request.holdoutPercent !== undefined) {
    return replyUsage(command, definition, '服务通知不支持对照组（holdout）：通知用于服务，不用于衡量营销效果');
  }
  let templates;
  try {
    templates = await deps.notices.templates();
  } catch (error) {
    return replyUsage(command, definition, `notices.yaml 有误：${(error as Error).message}`);
  }
  const notice = templates.notices.get(request.name);
  if (!notice) {
    const known = [...templates.notices.keys()].join('、') || '（无，请先在 templates/notices.yaml 中配置）';
    return replyUsage(command, definition, `服务通知「${request.name}」不存在，可用：${known}`);
  }
  const admin = command.ctx.fan ?? { openId: command.sender.openId };
  const preview = renderNotice(request.name, notice, { shopName: deps.shopName(), fan: admin });
  try {
    await deps.notices.send(command.sender.openId, preview);
  } catch (error) {
    await command.say(`❌ 预览通知未能发出，草稿未创建：${explainNoticeRefusal(error)}`);
    return { outcome: 'usage', detail: 'notice preview refused' };
  }
  const draft = await createNoticeDraft(deps, command, request);
  const used = await deps.notices.usedToday();
  const total = draft.preview?.total ?? 0;
  const left = Math.max(0, deps.notices.perDay - used);
  await command.say(
    [
      `草稿 #${draft.number} 已创建（服务通知）`,
      `人群：${request.expr}`,
      `内容：服务通知「${request.name}」（模板 ${notice.templateId}）`,
      `目标粉丝：${total} 人，全部以服务通知发送，不占每月 4 次群发额度，不受 48 小时限制`,
      `今日服务通知：已用 ${used} / ${deps.notices.perDay} 条${total > left ? `；本次超出今日剩余的 ${total - left} 条将在明天继续发送` : ''}`,
      '⚠️ 服务通知只能用于服务（咨询回复、订单、预约、会员权益变动等），不能用于营销推广，否则微信可能收回模板权限。',
      ...describeCuts(preview),
      '预览通知已发送到您的微信（按您的资料填写），请先查看。',
      `回复 /confirm ${draft.number} 立即发送，/schedule ${draft.number} <时间> 定时，/cancel ${draft.number} 取消。`,
    ].join('\n'),
  );
  return { outcome: 'ok', detail: `draft #${draft.number}` };
}

async function createNoticeDraft(deps: BroadcastDeps, command: CommandContext, request: NoticeDraftRequest): Promise<Broadcast> {
  const total = await countNoticeAudience(deps, { expr: request.expr });
  const number = await nextBroadcastNumber(deps.connection);
  const draft: Broadcast = {
    number,
    expr: request.expr,
    content: { type: 'notice', name: request.name },
    state: 'draft',
    createdBy: command.sender.openId,
    createdAt: deps.clock.now(),
    firingKey: `n:${number}`,
    preview: noticeNumbers(total),
  };
  await getBroadcastModel(deps.connection).create(draft);
  return draft;
}

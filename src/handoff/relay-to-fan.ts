/**
 * Command: a staff member's plain message goes to the fan whose chat they hold (`#A7K2 …`
 * picks one when they hold several). Returns what to tell the staff member: nothing when it
 * went out, a warning when the fan's allowance is nearly used, the refusal when WeChat said no.
 */
import type { InboundMessage } from '../wechat/inbound.js';
import { sendToFan } from './deliver.js';
import { relayForFan, summarize } from './describe.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, type Handoff } from './handoff-model.js';
import { heldBy } from './queue-listing.js';
import { normalizeShortId } from './short-id.js';
import { sendStaffReplyNotice, type StaffReplyNotice } from '../notices/staff-reply-notice.js';

export interface RelayToFanProps {
  staffOpenId: string;
  message: InboundMessage;
}

/** Null when the staff member holds no chat (the message is not meant for a fan). */
export async function relayToFan(deps: HandoffDeps, props: RelayToFanProps): Promise<string[] | null> {
  const held = await heldBy(deps, props.staffOpenId);
  if (held.length === 0) {
    return null;
  }
  const target = pickChat(held, props.message);
  if (typeof target === 'string') {
    return [target];
  }
  const reply = relayForFan(props.message, target.text);
  if (!reply) {
    return ['这种消息无法转发给粉丝，请发文字、图片、语音或视频。'];
  }
  const delivery = await sendToFan(deps, target.handoff.openId, [reply]);
  // Outside the window (45015/45047) a text answer still reaches the fan as a service notice.
  const text = reply.type === 'text' ? reply.content : undefined;
  const byNotice = !delivery.ok && text !== undefined ? await asNotice(deps, target.handoff, text) : undefined;
  if (byNotice?.ok) {
    await recordStaffLine(deps, target.handoff, props.staffOpenId, { kind: 'notice', text: `[服务通知] ${text}`, delivered: true });
    return [
      `📨 #${target.handoff.shortId} 粉丝已无法接收客服消息（超过 48 小时未互动，或本轮 5 条已用完），您的回复已改为服务通知「${byNotice.notice}」发出，粉丝点开后回复即可继续对话。`,
      ...byNotice.cutNotes,
    ];
  }
  const now = deps.clock.now();
  const line = reply.type === 'text' ? { kind: 'text', text: reply.content } : summarize(props.message);
  await getHandoffModel(deps.connection).updateOne(
    { shortId: target.handoff.shortId },
    {
      $set: { lastActivityAt: now },
      $push: {
        transcript: {
          at: now,
          from: 'staff',
          ...line,
          by: props.staffOpenId,
          delivered: delivery.ok,
          ...(delivery.ok ? {} : { error: delivery.error }),
        },
      },
    },
  );
  if (!delivery.ok) {
    const noNotice = byNotice && !byNotice.ok ? `；改用服务通知也未成功：${byNotice.reason}` : '';
    return [`❌ 未送达 #${target.handoff.shortId}：${delivery.reason}${noNotice}`];
  }
  const remaining = await deps.customerService.remainingAllowance(target.handoff.openId);
  if (remaining <= 1) {
    return [
      `⚠️ #${target.handoff.shortId} 粉丝再发消息前，您${remaining === 0 ? '已无法' : '只能再'}发送${remaining === 0 ? '' : ' 1 条'}消息（微信规定：粉丝每发1条消息，48小时内最多回复5条）。${remaining === 0 && deps.notices ? '之后的一条回复会改为服务通知发出。' : ''}`,
    ];
  }
  return [];
}

/** The chat a message is for: by `#id` prefix, or the only one held. A string is the explanation. */
function pickChat(held: Handoff[], message: InboundMessage): { handoff: Handoff; text?: string } | string {
  if (message.kind === 'text') {
    const match = /^[#＃]([A-Za-z0-9]{4})\s*([\s\S]*)$/.exec(message.content.trim());
    if (match) {
      const id = normalizeShortId(match[1]!);
      const handoff = held.find((h) => h.shortId === id);
      if (!handoff) {
        return `您没有在接待 #${match[1]!.toUpperCase()}。您正在接待：${held.map((h) => `#${h.shortId}`).join('、')}`;
      }
      return match[2]!.trim()
        ? { handoff, text: match[2]!.trim() }
        : '请在编号后面写上要发给粉丝的内容，例如「#' + handoff.shortId + ' 您好」。';
    }
  }
  if (held.length === 1) {
    return { handoff: held[0]! };
  }
  return `您同时在接待 ${held.map((h) => `#${h.shortId}`).join('、')}，请用「#编号 内容」指定发给谁。`;
}

/**
 * The staff-reply notice, when the refusal was the window (our count or WeChat's 45015/45047
 * left no allowance); undefined for other refusals, which a notice would not fix.
 */
async function asNotice(deps: HandoffDeps, handoff: Handoff, text: string): Promise<StaffReplyNotice | undefined> {
  if (!deps.notices || (await deps.customerService.remainingAllowance(handoff.openId)) > 0) {
    return undefined;
  }
  return sendStaffReplyNotice(
    { connection: deps.connection, notices: deps.notices, shopName: deps.shopName },
    {
      openId: handoff.openId,
      shortId: handoff.shortId,
      text,
    },
  );
}

/** Appends a staff line to the transcript. */
async function recordStaffLine(
  deps: HandoffDeps,
  handoff: Handoff,
  staffOpenId: string,
  line: { kind: string; text: string; delivered: boolean },
): Promise<void> {
  const now = deps.clock.now();
  await getHandoffModel(deps.connection).updateOne(
    { shortId: handoff.shortId },
    { $set: { lastActivityAt: now }, $push: { transcript: { at: now, from: 'staff', ...line, by: staffOpenId } } },
  );
}

/**
 * Command: a staff reply the customer-service window no longer carries (the fan has not
 * written for 48 hours, or this round's 5 messages are used: 45015/45047) goes as the
 * service notice notices.yaml names in `staffReply`, instead of being lost. The notice says
 * there is an answer; the fan opens the chat to read on, which opens the window again. One
 * notice per chat until the fan writes again: a notice is a nudge, not a second channel.
 */
import type { Connection } from 'mongoose';
import { getFanModel } from '../fans/fan-model.js';
import { WechatApiError } from '../errors.js';
import { NoticeLimitError, type NoticeSender } from './notice-sender.js';
import { getNoticeSendModel } from './notice-send-model.js';
import { describeCuts, renderNotice } from './notice-templates.js';

export interface StaffReplyNoticeDeps {
  connection: Connection;
  notices: NoticeSender;
  shopName: () => string;
}

export type StaffReplyNotice = { ok: true; notice: string; cutNotes: string[] } | { ok: false; reason: string };

/** Sends the staff-reply notice for `text` to the fan of handoff `shortId`. */
export async function sendStaffReplyNotice(
  deps: StaffReplyNoticeDeps,
  props: { openId: string; shortId: string; text: string },
): Promise<StaffReplyNotice> {
  let templates;
  try {
    templates = await deps.notices.templates();
  } catch (error) {
    return { ok: false, reason: `notices.yaml 有误：${(error as Error).message}` };
  }
  const name = templates.staffReply;
  const definition = name === undefined ? undefined : templates.notices.get(name);
  if (name === undefined || !definition) {
    return { ok: false, reason: '未配置服务通知（notices.yaml 的 staffReply），无法改用服务通知' };
  }
  const fan = await getFanModel(deps.connection).findOne({ openId: props.openId }, { subscriptionHistory: 0, daily: 0 }).lean();
  // One notice per silence: more answers before the fan writes again would only crowd their notices.
  const since = fan?.csWindow?.messageAt ?? new Date(0);
  if (await getNoticeSendModel(deps.connection).exists({ handoff: props.shortId, sentAt: { $gt: since } })) {
    return { ok: false, reason: '本次咨询已发过一条服务通知，粉丝回复前不再重复发送（以免打扰）；粉丝回复后即可继续对话' };
  }
  const rendered = renderNotice(name, definition, { shopName: deps.shopName(), fan: fan ?? { openId: props.openId }, reply: props.text });
  try {
    await deps.notices.send(props.openId, rendered, { handoff: props.shortId });
  } catch (error) {
    return { ok: false, reason: explainNoticeRefusal(error) };
  }
  return { ok: true, notice: name, cutNotes: describeCuts(rendered) };
}

/** Why a notice did not go out, in Chinese for the merchant or staff. */
export function explainNoticeRefusal(error: unknown): string {
  if (error instanceof NoticeLimitError) {
    return `今日服务通知已达上限（${error.perDay} 条），明天再发`;
  }
  if (error instanceof WechatApiError) {
    switch (error.errcode) {
      case 40037:
        return '微信拒绝（40037）：模板 ID 无效，请在公众平台「模板消息」中确认模板并更新 notices.yaml';
      case 43004:
        return '微信拒绝（43004）：对方已取消关注';
      case 43101:
        return '微信拒绝（43101）：对方拒收服务通知';
      case 47003:
        return `微信拒绝（47003）：字段内容不符合模板要求（${error.errmsg}）`;
      case 45009:
        return '微信拒绝（45009）：今日模板消息调用次数已达上限';
      default:
        return `微信拒绝（${error.errcode}）：${error.errmsg}`;
    }
  }
  return '发送失败（网络或内部错误），请稍后再试';
}

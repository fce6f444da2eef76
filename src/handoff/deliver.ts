/**
 * Sending to fans and staff with every refusal turned into a sentence for staff: the
 * customer-service window and allowance are WeChat's rules, and a refused message must be
 * reported to the person who wrote it, never swallowed.
 */
import { OutOfWindowError } from '../customer-service/send-customer-message.js';
import { WechatApiError } from '../errors.js';
import type { OutboundReply } from '../wechat/reply.js';
import { OPS_STAFF_PREFIX, type HandoffDeps } from './handoff-deps.js';

export type Delivery = { ok: true } | { ok: false; error: string; reason: string };

/** Why a customer-service message did not go out, in Chinese for staff. */
export function explainRefusal(error: unknown): string {
  if (error instanceof OutOfWindowError) {
    if (error.code === 'window_closed') {
      return '对方超过48小时没有发消息（或已取消关注），公众号无法再主动发消息';
    }
    if (error.code === 'allowance_used') {
      return '本轮客服消息额度（对方每发1条消息可回复5条）已用完，需等对方再发消息';
    }
    return '这种消息无法作为客服消息发送';
  }
  if (error instanceof WechatApiError) {
    if (error.errcode === 45015) {
      return '微信拒绝（45015）：超出48小时回复时限或对方已取消关注';
    }
    if (error.errcode === 45047) {
      return '微信拒绝（45047）：客服消息条数已达上限，需等对方再发消息';
    }
    return `微信拒绝（${error.errcode}）：${error.errmsg}`;
  }
  return '发送失败（网络或内部错误），请稍后再试';
}

/** Sends `replies` to a fan in order; stops at the first refusal. */
export async function sendToFan(deps: HandoffDeps, openId: string, replies: OutboundReply[]): Promise<Delivery> {
  for (const reply of replies) {
    try {
      await deps.customerService.send(openId, reply);
    } catch (error) {
      deps.logger.warn({ openId, err: (error as Error).message }, 'handoff: message to fan refused');
      return { ok: false, error: (error as Error).message, reason: explainRefusal(error) };
    }
  }
  return { ok: true };
}

/**
 * Sends to one staff member: ops identities through the ops channel, openids by
 * customer-service message (which works only inside the staff member's own 48-hour window).
 */
export async function sendToStaff(deps: HandoffDeps, staffId: string, replies: OutboundReply[]): Promise<Delivery> {
  if (staffId.startsWith(OPS_STAFF_PREFIX)) {
    for (const reply of replies) {
      const text = reply.type === 'text' ? reply.content : `[${reply.type}]`;
      if (!deps.ops || !(await deps.ops.sendTo(staffId, text))) {
        return { ok: false, error: 'ops channel unavailable', reason: '运维微信未连接' };
      }
    }
    return { ok: true };
  }
  for (const reply of replies) {
    try {
      await deps.customerService.send(staffId, reply);
    } catch (error) {
      const outside =
        error instanceof OutOfWindowError || (error instanceof WechatApiError && (error.isOutOfWindow || error.isAllowanceExhausted));
      deps.logger.warn(
        { staffOpenId: staffId, err: (error as Error).message },
        outside
          ? 'handoff: staff member is outside their own 48-hour window; cannot be reached by customer-service message'
          : 'handoff: message to staff refused',
      );
      return { ok: false, error: (error as Error).message, reason: explainRefusal(error) };
    }
  }
  return { ok: true };
}

/**
 * Notifies every staff member and admin (official account) and the ops channel.
 * @returns how many recipients were reached (the ops channel counts as one).
 */
export async function notifyStaff(deps: HandoffDeps, text: string): Promise<number> {
  const staff = new Set([...(await deps.roles.listWithRole('staff')), ...(await deps.roles.listWithRole('admin'))]);
  const results = await Promise.all([...staff].map((id) => sendToStaff(deps, id, [{ type: 'text', content: text }])));
  let reached = results.filter((r) => r.ok).length;
  if (deps.ops && (await deps.ops.broadcast(text))) {
    reached += 1;
  }
  return reached;
}

/**
 * Command: a fan message in a held chat goes to the staff member holding it, and into the
 * transcript. The staff member's own allowance is watched: when it is about to run out they
 * are told how to refresh it, because WeChat refuses the next relay otherwise.
 */
import type { InboundMessage } from '../wechat/inbound.js';
import type { OutboundReply } from '../wechat/reply.js';
import { sendToStaff } from './deliver.js';
import { relayForStaff, summarize } from './describe.js';
import { OPS_STAFF_PREFIX, type HandoffDeps } from './handoff-deps.js';
import { getHandoffModel } from './handoff-model.js';

export interface RelayToStaffProps {
  shortId: string;
  staffOpenId: string;
  message: InboundMessage;
}

/** Relays the message; returns false when the staff member could not be reached. */
export async function relayToStaff(deps: HandoffDeps, props: RelayToStaffProps): Promise<boolean> {
  const handoffs = getHandoffModel(deps.connection);
  const severalChats = (await handoffs.countDocuments({ staffOpenId: props.staffOpenId, status: 'held' })) > 1;
  let replies = relayForStaff(props.shortId, props.message, severalChats || props.staffOpenId.startsWith(OPS_STAFF_PREFIX));
  if (props.staffOpenId.startsWith(OPS_STAFF_PREFIX)) {
    replies = replies.filter((r) => r.type === 'text');
  } else {
    replies = await withAllowanceWarning(deps, props.staffOpenId, replies);
  }
  const delivery = await sendToStaff(deps, props.staffOpenId, replies);
  const now = deps.clock.now();
  const line = summarize(props.message);
  await handoffs.updateOne(
    { shortId: props.shortId },
    {
      $set: { lastActivityAt: now },
      $push: { transcript: { at: now, from: 'fan', ...line, delivered: delivery.ok, ...(delivery.ok ? {} : { error: delivery.error }) } },
    },
  );
  return delivery.ok;
}

/**
 * Adds a warning as the last message the staff member can still receive, so they know to
 * write anything (a command such as /queue) before fan messages stop reaching them.
 */
async function withAllowanceWarning(deps: HandoffDeps, staffOpenId: string, replies: OutboundReply[]): Promise<OutboundReply[]> {
  const remaining = await deps.customerService.remainingAllowance(staffOpenId);
  if (remaining <= replies.length || remaining - replies.length > 1) {
    return replies;
  }
  return [
    ...replies,
    { type: 'text', content: '⚠️ 您在公众号的客服消息额度只剩这一条了。请发送 /queue（排队）刷新，否则收不到粉丝的下一条消息。' },
  ];
}

/**
 * Command: /end from a staff member — which chat, and the answer for them.
 */
import { closeHandoff } from './close-handoff.js';
import type { HandoffDeps } from './handoff-deps.js';
import { heldBy } from './queue-listing.js';

export interface EndHandoffProps {
  staffOpenId: string;
  shortId?: string;
  /** Admins may end any open handoff, also one they do not hold. */
  isAdmin: boolean;
}

/** Ends the sender's chat (the only one, or `shortId`); returns the answer for them. */
export async function endHandoff(deps: HandoffDeps, props: EndHandoffProps): Promise<string> {
  const held = await heldBy(deps, props.staffOpenId);
  let shortId = props.shortId;
  if (!shortId) {
    if (held.length !== 1) {
      return held.length === 0
        ? '您当前没有接待中的会话。'
        : `您同时在接待 ${held.map((h) => `#${h.shortId}`).join('、')}，请用 /end 编号 指定。`;
    }
    shortId = held[0]!.shortId;
  }
  const mine = held.some((h) => h.shortId === shortId);
  if (!mine && !props.isAdmin) {
    return `您没有在接待 #${shortId}。`;
  }
  const closed = await closeHandoff(deps, {
    shortId,
    reason: 'ended',
    by: props.staffOpenId,
    ...(mine ? { staffOpenId: props.staffOpenId } : {}),
  });
  return closed ? `🔚 #${shortId} 已结束，机器人恢复应答。对话记录已保存。` : `#${shortId} 不在进行中。`;
}

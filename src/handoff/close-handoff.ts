/**
 * Command: closes an open handoff once (whoever closes first wins, by `claimOnce`), gives the fan back to
 * the bot, and tells the fan and the staff member why.
 */
import { getFanModel } from '../fans/fan-model.js';
import { claimOrTakeOver } from './claim-once.js';
import { sendToFan, sendToStaff } from './deliver.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, type Handoff } from './handoff-model.js';

export interface CloseHandoffProps {
  shortId: string;
  reason: NonNullable<Handoff['closeReason']>;
  /** Who closed it (staff openid, ops identity, `system`, the kf account). */
  by: string;
  /** Only close when it is still held by this staff member (/end). */
  staffOpenId?: string;
  /** Only close when it has been idle since before this instant (timeout sweep). */
  idleBefore?: Date;
}

/** Closes the handoff; null when it was not open (or not matching) any more. */
export async function closeHandoff(deps: HandoffDeps, props: CloseHandoffProps): Promise<Handoff | null> {
  const now = deps.clock.now();
  const filter: Record<string, unknown> = { shortId: props.shortId, status: { $in: ['queued', 'held'] } };
  if (props.staffOpenId) {
    filter['staffOpenId'] = props.staffOpenId;
  }
  if (props.idleBefore) {
    filter['lastActivityAt'] = { $lte: props.idleBefore };
  }
  const handoffs = getHandoffModel(deps.connection);
  const stillOpen = async (): Promise<boolean> => Boolean(await handoffs.exists(filter));
  if (!(await stillOpen()) || !(await claimOrTakeOver(deps.connection, `close:${props.shortId}`, props.by, now, stillOpen)).won) {
    return null;
  }
  const closed = await handoffs
    .findOneAndUpdate(
      { shortId: props.shortId },
      {
        $set: { status: 'closed', closedAt: now, closedBy: props.by, closeReason: props.reason, lastActivityAt: now },
        $push: { transcript: { at: now, from: 'system', kind: 'close', text: props.reason, by: props.by, delivered: true } },
      },
      { returnDocument: 'after' },
    )
    .lean<Handoff>();
  if (!closed) {
    return null;
  }
  // The bot resumes; the streak that led here must not hand the fan straight back.
  await getFanModel(deps.connection).updateOne(
    { openId: closed.openId, 'handoff.shortId': closed.shortId },
    { $unset: { handoff: 1 }, $set: { unansweredStreak: 0 } },
  );
  deps.logger.info({ shortId: closed.shortId, reason: props.reason, by: props.by }, 'handoff closed');
  await tellBothSides(deps, closed, props);
  return closed;
}

async function tellBothSides(deps: HandoffDeps, closed: Handoff, props: CloseHandoffProps): Promise<void> {
  const view = { shopName: deps.shopName(), shortId: closed.shortId };
  if (closed.mode === 'staff' && (props.reason === 'ended' || props.reason === 'idle')) {
    const notice = deps.settings.notice(props.reason === 'idle' ? 'idleClosed' : 'ended', view);
    await sendToFan(deps, closed.openId, [{ type: 'text', content: notice }]);
  }
  // The staff member who ended it gets the answer to the command; others get a note.
  if (closed.staffOpenId && props.by !== closed.staffOpenId && closed.mode === 'staff') {
    const why =
      props.reason === 'idle'
        ? '长时间无消息，已自动结束'
        : props.reason === 'unfollowed'
          ? '粉丝已取消关注，会话结束'
          : `已被 ${props.by} 结束`;
    await sendToStaff(deps, closed.staffOpenId, [{ type: 'text', content: `🔚 #${closed.shortId}（粉丝 ${closed.openId}）${why}。` }]);
  }
}

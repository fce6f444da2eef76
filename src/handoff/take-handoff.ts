/**
 * Command: gives a queued chat to one staff member. The claim is a unique insert
 * (`claimOnce`), so when two staff take the same id at once, on any number of instances,
 * exactly one wins and the other is told who has it.
 */
import { getFanModel } from '../fans/fan-model.js';
import { claimOrTakeOver } from './claim-once.js';
import { sendToFan } from './deliver.js';
import { takenCard } from './describe.js';
import { staffLabel, type HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, undeliveredFanLines, type Handoff } from './handoff-model.js';

export interface TakeHandoffProps {
  shortId: string;
  staffOpenId: string;
  channel: 'official' | 'ops';
}

/** Takes the chat; returns the text for the staff member (the chat so far, or why not). */
export async function takeHandoff(deps: HandoffDeps, props: TakeHandoffProps): Promise<string> {
  const now = deps.clock.now();
  const handoffs = getHandoffModel(deps.connection);
  const queued = await handoffs.findOne({ shortId: props.shortId, status: 'queued', mode: 'staff' }).lean<Handoff>();
  if (!queued) {
    return whyNotTaken(deps, props);
  }
  const stillQueued = async (): Promise<boolean> => Boolean(await handoffs.exists({ shortId: props.shortId, status: 'queued' }));
  const claim = await claimOrTakeOver(deps.connection, `take:${props.shortId}`, props.staffOpenId, now, stillQueued);
  if (!claim.won) {
    return claim.holder === props.staffOpenId
      ? `#${props.shortId} 已经由您接待中。`
      : `#${props.shortId} 已被 ${staffLabel(claim.holder)} 接入。`;
  }
  const taken = await handoffs
    .findOneAndUpdate(
      { shortId: props.shortId, status: 'queued' },
      {
        $set: {
          status: 'held',
          staffOpenId: props.staffOpenId,
          staffChannel: props.channel,
          takenAt: now,
          lastActivityAt: now,
          // What the fan wrote while queued is in the taken card, so /queue must not call it missed.
          missedShown: undeliveredFanLines(queued).length,
        },
        $push: { transcript: { at: now, from: 'system', kind: 'take', text: 'taken', by: props.staffOpenId, delivered: true } },
      },
      { returnDocument: 'after' },
    )
    .lean<Handoff>();
  if (!taken) {
    // Closed between the check and the claim (e.g. the fan unfollowed).
    return whyNotTaken(deps, props);
  }
  await getFanModel(deps.connection).updateOne(
    { openId: taken.openId, 'handoff.shortId': taken.shortId },
    { $set: { 'handoff.status': 'held', 'handoff.staffOpenId': props.staffOpenId } },
  );
  deps.logger.info({ shortId: taken.shortId, staffOpenId: props.staffOpenId }, 'handoff taken');
  const greeting = deps.settings.notice('taken', { shopName: deps.shopName(), shortId: taken.shortId });
  const delivery = await sendToFan(deps, taken.openId, [{ type: 'text', content: greeting }]);
  const card = takenCard(taken);
  return delivery.ok ? card : `${card}\n⚠️ 接入提示未能发给粉丝：${delivery.reason}`;
}

async function whyNotTaken(deps: HandoffDeps, props: TakeHandoffProps): Promise<string> {
  const current = await getHandoffModel(deps.connection).findOne({ shortId: props.shortId }).lean<Handoff>();
  if (!current) {
    return `找不到 #${props.shortId}，发送 /queue（排队）查看排队中的会话。`;
  }
  if (current.status === 'closed') {
    return `#${props.shortId} 已经结束了。`;
  }
  if (current.mode === 'native') {
    return `#${props.shortId} 已转给微信客服系统，请在微信客服工具里接待。`;
  }
  if (current.staffOpenId === props.staffOpenId) {
    return `#${props.shortId} 已经由您接待中。`;
  }
  return `#${props.shortId} 已被 ${staffLabel(current.staffOpenId ?? '')} 接入。`;
}

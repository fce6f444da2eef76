/**
 * Command: gives a queued chat to one staff member. The claim is a unique insert
 * (`claimOnce`), so when two staff take the same id at once, on any number of instances,
 * exactly one wins and the other is told who has it. A chat that went to WeChat's own
 * customer service and no agent picked up (queued, native) is taken back the same way: it
 * becomes a staff chat, and the fan's messages, which still arrive here, go to the staff member.
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
  const queued = await handoffs.findOne({ shortId: props.shortId, status: 'queued' }).lean<Handoff>();
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
          mode: 'staff',
          staffOpenId: props.staffOpenId,
          staffChannel: props.channel,
          takenAt: now,
          lastActivityAt: now,
          // What the fan wrote while queued is in the taken card, so /queue must not call it missed.
          missedShown: undeliveredFanLines(queued).length,
        },
        $push: {
          transcript: {
            at: now,
            from: 'system',
            kind: 'take',
            text: queued.mode === 'native' ? 'taken back from WeChat customer service' : 'taken',
            by: props.staffOpenId,
            delivered: true,
          },
        },
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
    { $set: { 'handoff.status': 'held', 'handoff.mode': 'staff', 'handoff.staffOpenId': props.staffOpenId } },
  );
  deps.logger.info({ shortId: taken.shortId, staffOpenId: props.staffOpenId, from: queued.mode }, 'handoff taken');
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
    // An agent of WeChat's customer service holds it: WeChat sends the fan's messages to them.
    return `#${props.shortId} 正由微信客服 ${current.kfAccount ?? ''} 接待中，请在微信客服工具里接待或结束会话。`;
  }
  if (current.staffOpenId === props.staffOpenId) {
    return `#${props.shortId} 已经由您接待中。`;
  }
  return `#${props.shortId} 已被 ${staffLabel(current.staffOpenId ?? '')} 接入。`;
}

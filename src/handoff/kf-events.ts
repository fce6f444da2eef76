/**
 * WeChat's own customer service (WECHAT.md §3.3, §2.3): kf_create_session marks the native
 * handoff held by that agent, kf_switch_session moves it, kf_close_session closes it and the
 * bot resumes. A session WeChat opened without us (an agent started it) is recorded too.
 */
import type { InboundMessage, InboundOf } from '../wechat/inbound.js';
import { getFanModel } from '../fans/fan-model.js';
import { closeHandoff } from './close-handoff.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel } from './handoff-model.js';
import { openHandoffOf, startHandoff } from './start-handoff.js';

type KfEvent = InboundOf<'kf_create_session' | 'kf_close_session' | 'kf_switch_session'>;

/** True for WeChat customer-service session events. */
export function isKfEvent(message: InboundMessage): message is KfEvent {
  return message.kind === 'kf_create_session' || message.kind === 'kf_close_session' || message.kind === 'kf_switch_session';
}

/** Applies a customer-service session event to the fan's handoff. */
export async function handleKfEvent(deps: HandoffDeps, event: KfEvent): Promise<void> {
  const openId = event.fromUserName;
  let open = await openHandoffOf(deps, openId);
  if (event.kind === 'kf_close_session') {
    if (open) {
      await closeHandoff(deps, { shortId: open.shortId, reason: 'kf_closed', by: event.kfAccount });
    }
    return;
  }
  const kfAccount = event.kind === 'kf_create_session' ? event.kfAccount : event.toKfAccount;
  if (!open) {
    open = (await startHandoff(deps, { openId, reason: 'native', reasonDetail: kfAccount, mode: 'native' })).handoff;
  }
  const now = deps.clock.now();
  await getHandoffModel(deps.connection).updateOne(
    { shortId: open.shortId },
    {
      $set: { status: 'held', mode: 'native', kfAccount, staffOpenId: kfAccount, takenAt: open.takenAt ?? now, lastActivityAt: now },
      $push: { transcript: { at: now, from: 'system', kind: event.kind, text: kfAccount, by: kfAccount, delivered: true } },
    },
  );
  await getFanModel(deps.connection).updateOne(
    { openId, 'handoff.shortId': open.shortId },
    { $set: { 'handoff.status': 'held', 'handoff.mode': 'native', 'handoff.staffOpenId': kfAccount } },
  );
  deps.logger.info({ shortId: open.shortId, kfAccount, event: event.kind }, 'handoff: WeChat customer-service session');
}

/**
 * Command run by the timeout job: reminds staff (and tells the fan) about chats nobody took
 * within `unclaimedMinutes`, once; closes held chats (and native ones WeChat never picked up)
 * idle for `idleMinutes`. Each step is a
 * conditional update, so two workers sweeping at once do everything once.
 */
import { closeHandoff } from './close-handoff.js';
import { notifyStaff, sendToFan } from './deliver.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, type Handoff } from './handoff-model.js';

export interface SweepResult {
  reminded: number;
  closed: number;
}

/** One sweep of both timeouts at `deps.clock.now()`. */
export async function sweepHandoffs(deps: HandoffDeps): Promise<SweepResult> {
  const now = deps.clock.now();
  const { unclaimedMinutes, idleMinutes } = deps.settings.data.timeouts;
  const handoffs = getHandoffModel(deps.connection);
  const unclaimedBefore = new Date(now.getTime() - unclaimedMinutes * 60_000);
  const waiting = await handoffs
    .find({ status: 'queued', mode: 'staff', createdAt: { $lte: unclaimedBefore }, remindedAt: { $exists: false } })
    .limit(100)
    .lean<Handoff[]>();
  let reminded = 0;
  for (const handoff of waiting) {
    const mine = await handoffs.updateOne(
      { shortId: handoff.shortId, status: 'queued', remindedAt: { $exists: false } },
      { $set: { remindedAt: now } },
    );
    if (mine.modifiedCount !== 1) {
      continue;
    }
    reminded += 1;
    const minutes = Math.round((now.getTime() - handoff.createdAt.getTime()) / 60_000);
    await notifyStaff(
      deps,
      `⏰ #${handoff.shortId}（粉丝 ${handoff.openId}）已等待 ${minutes} 分钟无人接入，发送 /take ${handoff.shortId}（接入）接待。`,
    );
    await sendToFan(deps, handoff.openId, [
      { type: 'text', content: deps.settings.notice('unclaimed', { shopName: deps.shopName(), shortId: handoff.shortId, minutes }) },
    ]);
  }
  const idleBefore = new Date(now.getTime() - idleMinutes * 60_000);
  // A native handoff still queued that long means WeChat's customer service never picked it up
  // (not set up, nobody online): without this the fan would be transferred forever.
  const idle = await handoffs
    .find({ $or: [{ status: 'held' }, { status: 'queued', mode: 'native' }], lastActivityAt: { $lte: idleBefore } })
    .limit(100)
    .lean<Handoff[]>();
  let closed = 0;
  for (const handoff of idle) {
    if (await closeHandoff(deps, { shortId: handoff.shortId, reason: 'idle', by: 'system', idleBefore })) {
      closed += 1;
    }
  }
  if (reminded + closed > 0) {
    deps.logger.info({ reminded, closed }, 'handoff timeouts swept');
  }
  return { reminded, closed };
}

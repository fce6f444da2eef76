/**
 * The text of /queue for one staff member — chats waiting, the ones they hold, the fan
 * messages that could not reach them (their own allowance ran out) since they last looked,
 * and the chats that went to WeChat's own customer service (no staff was reachable, or native
 * mode): they are open handoffs too, so /queue shows where they went and since when, and which
 * of them a staff member can `/take` back.
 */
import { nativeLine, queueLine } from './describe.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, undeliveredFanLines, type Handoff } from './handoff-model.js';

const LISTED = 20;

/** The waiting queue (oldest first), the staff member's own chats and the native ones. */
export async function queueListing(deps: HandoffDeps, staffOpenId: string): Promise<string> {
  const handoffs = getHandoffModel(deps.connection);
  const [queued, mine, native] = await Promise.all([
    handoffs.find({ status: 'queued', mode: 'staff' }).sort({ createdAt: 1 }).limit(LISTED).lean<Handoff[]>(),
    handoffs.find({ staffOpenId, status: 'held' }).sort({ takenAt: 1 }).lean<Handoff[]>(),
    handoffs
      .find({ status: { $in: ['queued', 'held'] }, mode: 'native' })
      .sort({ createdAt: 1 })
      .limit(LISTED)
      .lean<Handoff[]>(),
  ]);
  const now = deps.clock.now();
  const lines: string[] = [];
  lines.push(queued.length > 0 ? `排队中（${queued.length}）：` : '目前没有排队的会话。', ...queued.map((h) => queueLine(h, now)));
  if (mine.length > 0) {
    lines.push(`您正在接待（${mine.length}）：`, ...mine.map((h) => queueLine(h, now)));
    lines.push(...(await missedLines(deps, mine)));
  }
  if (native.length > 0) {
    lines.push(`已转微信客服（${native.length}）：`, ...native.map((h) => nativeLine(h, now, deps.timezone)));
  }
  const takeable = queued[0] ?? native.find((h) => h.status === 'queued');
  if (takeable) {
    lines.push(`发送 /take 编号（接入）接待，例如 /take ${takeable.shortId}`);
  }
  return lines.join('\n');
}

/** Fan messages of these chats that did not reach the staff member and were not shown yet; marks them shown. */
async function missedLines(deps: HandoffDeps, held: Handoff[]): Promise<string[]> {
  const lines: string[] = [];
  for (const handoff of held) {
    const undelivered = undeliveredFanLines(handoff);
    const missed = undelivered.slice(handoff.missedShown ?? 0);
    if (missed.length === 0) {
      continue;
    }
    lines.push(`#${handoff.shortId} 未能转给您的粉丝消息：`, ...missed.slice(-10).map((t) => `· ${t.text.slice(0, 80)}`));
    await getHandoffModel(deps.connection).updateOne({ shortId: handoff.shortId }, { $set: { missedShown: undelivered.length } });
  }
  return lines;
}

/** The chats a staff member holds right now, oldest first. */
export function heldBy(deps: HandoffDeps, staffOpenId: string): Promise<Handoff[]> {
  return getHandoffModel(deps.connection).find({ staffOpenId, status: 'held' }).sort({ takenAt: 1 }).lean<Handoff[]>();
}

/**
 * Query: the text of /queue for one staff member — chats waiting, and the ones they hold.
 */
import { queueLine } from './describe.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, type Handoff } from './handoff-model.js';

/** The waiting queue (oldest first) and the staff member's own chats. */
export async function queueListing(deps: HandoffDeps, staffOpenId: string): Promise<string> {
  const handoffs = getHandoffModel(deps.connection);
  const [queued, mine] = await Promise.all([
    handoffs.find({ status: 'queued', mode: 'staff' }).sort({ createdAt: 1 }).limit(20).lean<Handoff[]>(),
    handoffs.find({ staffOpenId, status: 'held' }).sort({ takenAt: 1 }).lean<Handoff[]>(),
  ]);
  const now = deps.clock.now();
  const lines: string[] = [];
  lines.push(queued.length > 0 ? `排队中（${queued.length}）：` : '目前没有排队的会话。', ...queued.map((h) => queueLine(h, now)));
  if (mine.length > 0) {
    lines.push(`您正在接待（${mine.length}）：`, ...mine.map((h) => queueLine(h, now)));
  }
  if (queued.length > 0) {
    lines.push(`发送 /take 编号（接入）接待，例如 /take ${queued[0]!.shortId}`);
  }
  return lines.join('\n');
}

/** The chats a staff member holds right now, oldest first. */
export function heldBy(deps: HandoffDeps, staffOpenId: string): Promise<Handoff[]> {
  return getHandoffModel(deps.connection).find({ staffOpenId, status: 'held' }).sort({ takenAt: 1 }).lean<Handoff[]>();
}

/**
 * The fan's mark (`fan.handoff`): a copy of its open handoff's state, so the gate knows without
 * a query that a fan's message belongs to a person. The handoff document is the truth; the
 * mark is written right after it. A crash or database error between the two writes leaves
 * them apart — a closed chat whose fan the bot then ignores forever, or a taken chat whose fan
 * still looks queued and never reaches the staff member. So a fan's message in a handoff
 * checks the mark against the handoff (one indexed read, only for fans in a handoff) and
 * repairs it.
 */
import type { FanHandoff } from '../fans/fan-model.js';
import { getFanModel } from '../fans/fan-model.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, type Handoff } from './handoff-model.js';

type MarkSource = Pick<Handoff, 'shortId' | 'status' | 'mode' | 'staffOpenId'>;
/** A handoff that is queued or held. */
type OpenHandoff = MarkSource & { status: FanHandoff['status'] };

function isOpenHandoff(handoff: MarkSource | null): handoff is OpenHandoff {
  return handoff !== null && handoff.status !== 'closed';
}

/** The mark an open handoff gives its fan. */
export function markOf(handoff: OpenHandoff): FanHandoff {
  return {
    shortId: handoff.shortId,
    status: handoff.status,
    mode: handoff.mode,
    ...(handoff.status === 'held' && handoff.staffOpenId ? { staffOpenId: handoff.staffOpenId } : {}),
  };
}

/** True when `mark` says what the open `handoff` says. */
export function markAgrees(mark: FanHandoff, handoff: OpenHandoff): boolean {
  const expected = markOf(handoff);
  return mark.status === expected.status && mark.mode === expected.mode && mark.staffOpenId === expected.staffOpenId;
}

/**
 * The fan's handoff as its document says, repairing the fan's `mark` when they differ:
 * undefined (mark removed) when the handoff is closed or gone, else the corrected mark.
 */
export async function verifiedMark(deps: HandoffDeps, openId: string, mark: FanHandoff): Promise<FanHandoff | undefined> {
  const handoff = await getHandoffModel(deps.connection)
    .findOne({ shortId: mark.shortId }, { shortId: 1, status: 1, mode: 1, staffOpenId: 1 })
    .lean<MarkSource>();
  const fans = getFanModel(deps.connection);
  // Conditional on the same shortId: a newer handoff's mark is never touched.
  const sameMark = { openId, 'handoff.shortId': mark.shortId };
  if (!isOpenHandoff(handoff)) {
    await fans.updateOne(sameMark, { $unset: { handoff: 1 } });
    deps.logger.warn({ openId, shortId: mark.shortId }, 'handoff mark of a closed chat removed; the bot answers the fan again');
    return undefined;
  }
  if (markAgrees(mark, handoff)) {
    return mark;
  }
  const repaired = markOf(handoff);
  await fans.updateOne(sameMark, { $set: { handoff: repaired } });
  deps.logger.warn({ openId, shortId: mark.shortId, was: mark.status, now: repaired.status }, 'handoff mark repaired from its chat');
  return repaired;
}

/**
 * Gives the fan the mark of its open `handoff` when the fan has none for it (an opening cut
 * short between the two writes). A mark for it that is merely stale is verifiedMark's to fix.
 */
export async function ensureMark(deps: HandoffDeps, handoff: OpenHandoff & { openId: string }): Promise<void> {
  const result = await getFanModel(deps.connection).updateOne(
    { openId: handoff.openId, 'handoff.shortId': { $ne: handoff.shortId } },
    { $set: { handoff: markOf(handoff) } },
  );
  if (result.modifiedCount > 0) {
    deps.logger.warn({ openId: handoff.openId, shortId: handoff.shortId }, 'handoff mark was missing; set from its chat');
  }
}

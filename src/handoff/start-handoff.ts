/**
 * Command: opens a handoff for a fan (once: a fan has at most one open handoff, enforced by
 * a unique claim), notifies staff, and says what the fan should be
 * answered. When no staff member can be reached, or the account is set to native mode, the
 * fan goes to WeChat's own customer service instead.
 */
import { isDuplicateKeyError } from '../db/model.js';
import { NotFoundError } from '../errors.js';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import { getInteractionModel } from '../interactions/interaction-model.js';
import type { OutboundReply } from '../wechat/reply.js';
import { isOpen, nextOpening } from './business-hours.js';
import { claimOrTakeOver, releaseClaim } from './claim-once.js';
import { notifyStaff } from './deliver.js';
import { handoffCard } from './describe.js';
import { ensureMark, markOf } from './fan-mark.js';
import type { HandoffDeps } from './handoff-deps.js';
import { getHandoffModel, type Handoff, type HandoffReason } from './handoff-model.js';
import { newShortId } from './short-id.js';

export interface StartHandoffProps {
  openId: string;
  reason: HandoffReason;
  reasonDetail?: string;
  /** Overrides the configured mode (a session WeChat's customer service opened itself is native). */
  mode?: Handoff['mode'];
}

export interface StartHandoffResult {
  handoff: Handoff;
  /** False when the fan already had an open handoff (returned instead). */
  created: boolean;
  /** Staff (and ops channel) reached by the notification. */
  reached: number;
  /** What to answer the fan: a notice, or `transfer_customer_service` first in native mode. */
  fanReplies: OutboundReply[];
}

/** Opens (or finds) the fan's handoff and notifies staff; see StartHandoffResult. */
export async function startHandoff(deps: HandoffDeps, props: StartHandoffProps): Promise<StartHandoffResult> {
  const existing = await openHandoffOf(deps, props.openId);
  if (existing && existing.status !== 'closed') {
    // An opening cut short between the handoff and the fan's mark left the fan unmarked.
    await ensureMark(deps, { ...existing, status: existing.status });
    return notCreated(existing);
  }
  const claimKey = await claimOpening(deps, props.openId);
  if (!claimKey) {
    return notCreated(await waitForOpenHandoff(deps, props.openId));
  }
  const handoff = await insertHandoff(deps, props, props.mode ?? deps.settings.data.mode);
  const fan = await getFanModel(deps.connection)
    .findOneAndUpdate(
      { openId: props.openId },
      { $set: { handoff: markOf({ ...handoff, status: 'queued' }) } },
      { returnDocument: 'after' },
    )
    .lean<Fan>();
  if (!fan) {
    await getHandoffModel(deps.connection).deleteOne({ shortId: handoff.shortId });
    await releaseClaim(deps.connection, claimKey);
    throw new NotFoundError(`粉丝 ${props.openId} 不存在`);
  }
  deps.logger.info({ openId: props.openId, shortId: handoff.shortId, reason: props.reason }, 'handoff opened');
  const reached = handoff.mode === 'staff' ? await notifyStaff(deps, handoffCard(handoff, fan)) : 0;
  if (handoff.mode === 'staff' && reached > 0) {
    return { handoff, created: true, reached, fanReplies: [{ type: 'text', content: queuedNotice(deps, handoff) }] };
  }
  if (handoff.mode === 'staff') {
    deps.logger.warn({ shortId: handoff.shortId }, 'handoff: no staff reachable; falling back to WeChat customer service');
    await switchToNative(deps, handoff);
  }
  return { handoff: { ...handoff, mode: 'native' }, created: true, reached, fanReplies: [{ type: 'transfer_customer_service' }] };
}

const notCreated = (handoff: Handoff): StartHandoffResult => ({ handoff, created: false, reached: 0, fanReplies: [] });

/**
 * One opening per fan at a time, also across instances (two "人工" at once must not make two
 * handoffs): a unique claim keyed by the fan's count of closed handoffs, which cannot change
 * while none is open. Returns the key when this caller won. A claim left behind by an
 * instance that died before creating the handoff is given up after a minute.
 */
async function claimOpening(deps: HandoffDeps, openId: string): Promise<string | null> {
  const closed = await getHandoffModel(deps.connection).countDocuments({ openId, status: 'closed' });
  const key = `open:${openId}:${closed}`;
  const now = deps.clock.now();
  const claim = await claimOrTakeOver(deps.connection, key, openId, now, async () => !(await openHandoffOf(deps, openId)));
  return claim.won ? key : null;
}

/** The handoff another message of the same fan is opening right now. */
async function waitForOpenHandoff(deps: HandoffDeps, openId: string): Promise<Handoff> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const open = await openHandoffOf(deps, openId);
    if (open) {
      return open;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`handoff for ${openId} is being opened elsewhere but did not appear`);
}

/** The fan's queued or held handoff, if any. */
export function openHandoffOf(deps: HandoffDeps, openId: string): Promise<Handoff | null> {
  return getHandoffModel(deps.connection)
    .findOne({ openId, status: { $in: ['queued', 'held'] } })
    .lean<Handoff>();
}

async function insertHandoff(deps: HandoffDeps, props: StartHandoffProps, mode: Handoff['mode']): Promise<Handoff> {
  const now = deps.clock.now();
  const recent = await getInteractionModel(deps.connection)
    .find({ openId: props.openId, msgType: { $ne: 'event' } })
    .sort({ receivedAt: -1 })
    .limit(5)
    .lean();
  const lastMessages = recent.reverse().map((r) => ({ at: r.receivedAt, kind: r.kind, text: textOf(r.kind, r.payload) }));
  for (let attempt = 0; ; attempt += 1) {
    const handoff: Handoff = {
      shortId: newShortId(),
      openId: props.openId,
      status: 'queued',
      mode,
      reason: props.reason,
      reasonDetail: props.reasonDetail,
      lastMessages,
      transcript: [],
      createdAt: now,
      lastActivityAt: now,
    };
    try {
      await getHandoffModel(deps.connection).create(handoff);
      return handoff;
    } catch (error) {
      if (!isDuplicateKeyError(error) || attempt >= 5) {
        throw error;
      }
    }
  }
}

function textOf(kind: string, payload: Record<string, unknown>): string {
  return kind === 'text' ? String(payload['Content'] ?? '') : `[${kind}]`;
}

function queuedNotice(deps: HandoffDeps, handoff: Handoff): string {
  const { businessHours } = deps.settings.data;
  const now = deps.clock.now();
  const view = { shopName: deps.shopName(), shortId: handoff.shortId };
  if (isOpen(businessHours, now, deps.timezone)) {
    return deps.settings.notice('queued', view);
  }
  return deps.settings.notice('queuedAfterHours', { ...view, opensAt: nextOpening(businessHours, now, deps.timezone) ?? '营业时间' });
}

async function switchToNative(deps: HandoffDeps, handoff: Handoff): Promise<void> {
  await getHandoffModel(deps.connection).updateOne({ shortId: handoff.shortId }, { $set: { mode: 'native' } });
  await getFanModel(deps.connection).updateOne(
    { openId: handoff.openId, 'handoff.shortId': handoff.shortId },
    { $set: { 'handoff.mode': 'native' } },
  );
}

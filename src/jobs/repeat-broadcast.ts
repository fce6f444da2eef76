/**
 * Job `broadcast.repeat`: one firing of a recurring broadcast schedule. It makes a copy of the
 * template broadcast (new number, same audience expression and content, `parent` set) and
 * queues it on `broadcast.send`, so every run plans against the fans and quotas of that day.
 * The copy's firing key is unique: a firing handled twice still creates one copy.
 */
import { randomBytes } from 'node:crypto';
import type { Agenda } from 'agenda';
import type { BroadcastDeps } from '../broadcast/broadcast-deps.js';
import { getBroadcastModel, nextBroadcastNumber, type Broadcast } from '../broadcast/broadcast-model.js';
import { isDuplicateKeyError } from '../db/model.js';
import { retryUnlessPermanent } from './agenda.js';
import { scheduleSendBroadcast } from './send-broadcast.js';

export const REPEAT_BROADCAST_JOB = 'broadcast.repeat';

export interface RepeatBroadcastJobData {
  broadcast: number;
}

export function defineRepeatBroadcast(agenda: Agenda, deps: BroadcastDeps): void {
  agenda.define<RepeatBroadcastJobData>(
    REPEAT_BROADCAST_JOB,
    async (job) => {
      const firedAt = job.attrs.lastRunAt ?? new Date();
      const copy = await copyForFiring(deps, job.attrs.data.broadcast, firedAt);
      if (copy !== null) {
        await scheduleSendBroadcast(agenda, copy);
      }
    },
    { concurrency: 1, backoff: retryUnlessPermanent },
  );
}

/** Creates the copy for this firing; null when the schedule was cancelled or the copy exists. */
export async function copyForFiring(deps: BroadcastDeps, parent: number, firedAt: Date): Promise<number | null> {
  const broadcasts = getBroadcastModel(deps.connection);
  const template = await broadcasts.findOne({ number: parent, state: 'scheduled' }).lean<Broadcast>();
  if (!template) {
    return null;
  }
  const number = await nextBroadcastNumber(deps.connection);
  const copy: Broadcast = {
    number,
    expr: template.expr,
    content: template.content,
    // Each run draws its own holdout: the same fans held out every week would never hear from the shop.
    ...(template.holdout ? { holdout: { share: template.holdout.share, seed: randomBytes(12).toString('hex') } } : {}),
    state: 'queued',
    createdBy: template.createdBy,
    createdAt: deps.clock.now(),
    confirmedBy: template.confirmedBy,
    confirmedAt: deps.clock.now(),
    parent,
    // Minute resolution: the same firing seen twice maps to the same key.
    firingKey: `r:${parent}:${Math.floor(firedAt.getTime() / 60_000)}`,
  };
  try {
    await broadcasts.create(copy);
  } catch (error) {
    if (isDuplicateKeyError(error)) {
      return null;
    }
    throw error;
  }
  deps.logger.info({ parent, copy: number }, 'recurring broadcast fired');
  return number;
}

/**
 * Command: adds and removes tags on one fan, keeping the reason and time of every tag, and
 * marks the fan for the WeChat tag sync job. Used by auto-tagging and by `/tag` (issue 5).
 *
 * Why optimistic concurrency instead of $push/$pull: FerretDB 1.24 ignores `$pull` with a
 * condition on an array of sub-documents and refuses the positional `$`, so the portable way
 * is read → merge → write guarded by `tagsRev`, retried on a concurrent change.
 */
import type { Connection } from 'mongoose';
import { NotFoundError } from '../errors.js';
import { getFanModel, type Fan } from '../fans/fan-model.js';
import { mergeTags, type TagAddition } from './merge-tags.js';

export interface ApplyTagChangesProps {
  connection: Connection;
  openId: string;
  add?: readonly TagAddition[];
  remove?: readonly string[];
  now: Date;
  /** Extra fields to set in the same write (attributes set by a rule, activity tier…). */
  set?: Record<string, unknown>;
  /** A fresh snapshot of the fan (e.g. ctx.fan), saving the first read. */
  fan?: Pick<Fan, 'tags' | 'tagsRev'>;
}

export interface TagChangeResult {
  added: string[];
  removed: string[];
  tags: Fan['tags'];
}

// Contention is per fan (one fan's own messages, an admin's /tag): a few retries with a
// jittered pause settle even a burst of concurrent writers.
const MAX_ATTEMPTS = 30;
const pause = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(attempt, 10)));

/** Applies the changes; resolves with what actually changed. Throws NotFoundError for an unknown fan. */
export async function applyTagChanges(props: ApplyTagChangesProps): Promise<TagChangeResult> {
  const model = getFanModel(props.connection);
  let snapshot = props.fan;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 0) {
      await pause(attempt);
    }
    if (!snapshot || attempt > 0) {
      const fresh = await model.findOne({ openId: props.openId }, { tags: 1, tagsRev: 1 }).lean<Pick<Fan, 'tags' | 'tagsRev'>>();
      if (!fresh) {
        throw new NotFoundError(`粉丝 ${props.openId} 不存在`);
      }
      snapshot = fresh;
    }
    const merged = mergeTags(snapshot.tags ?? [], props.add ?? [], props.remove ?? [], props.now);
    const tagsChanged = merged.added.length > 0 || merged.removed.length > 0;
    if (!tagsChanged && !props.set) {
      return merged;
    }
    const rev = snapshot.tagsRev ?? 0;
    // Documents written before tagsRev existed have no field: treat missing as 0.
    const revFilter = rev === 0 ? { $in: [0, null] } : rev;
    const update = tagsChanged
      ? { $set: { ...props.set, tags: merged.tags, tagsDirty: true }, $inc: { tagsRev: 1 } }
      : { $set: { ...props.set } };
    const result = await model.updateOne({ openId: props.openId, tagsRev: revFilter }, update);
    if (result.matchedCount === 1) {
      return merged;
    }
  }
  throw new Error(`tags of ${props.openId} kept changing; gave up after ${MAX_ATTEMPTS} attempts`);
}

/**
 * Command: adds and removes tags on one fan, keeping the reason and time of every tag, and
 * marks the fan for the WeChat tag sync job. Used by auto-tagging and by `/tag` (issue 5).
 * One atomic update (tag-change-update.ts) that returns the fan as it was, from which
 * `applyTagChange` tells what the write changed.
 */
import type { Connection } from 'mongoose';
import { NotFoundError } from '../errors.js';
import { getFanModel, type FanTag } from '../fans/fan-model.js';
import { applyTagChange, tagChangeOf, type TagAddition } from './merge-tags.js';
import { tagChangeStages } from './tag-change-update.js';

export interface ApplyTagChangesProps {
  connection: Connection;
  openId: string;
  add?: readonly TagAddition[];
  remove?: readonly string[];
  now: Date;
  /** Extra fields to set in the same write (attributes set by a rule, activity tier…). */
  set?: Record<string, unknown>;
}

export interface TagChangeResult {
  added: string[];
  removed: string[];
  tags: FanTag[];
}

/** Applies the changes; resolves with what actually changed. Throws NotFoundError for an unknown fan. */
export async function applyTagChanges(props: ApplyTagChangesProps): Promise<TagChangeResult> {
  const change = tagChangeOf(props.add ?? [], props.remove ?? [], props.now);
  const before = await getFanModel(props.connection)
    .findOneAndUpdate({ openId: props.openId }, tagChangeStages(change, props.set), {
      updatePipeline: true,
      returnDocument: 'before',
      projection: { tags: 1 },
    })
    .lean<{ tags?: FanTag[] }>();
  if (!before) {
    throw new NotFoundError(`粉丝 ${props.openId} 不存在`);
  }
  return applyTagChange(before.tags ?? [], change);
}

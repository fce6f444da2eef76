/**
 * PURE: a tag change as stages of an update pipeline, so the database applies it to the tags
 * as they are at the moment of the write: one atomic single-document update, whatever other
 * writers (a message's rules, an admin's /tag, the sweep) do to the same fan meanwhile. A
 * `$pull` and a `$push` on `tags` cannot share one classic update, and two updates would let a
 * concurrent change slip in between and duplicate a tag; the pipeline keeps each name once.
 * `tagsDirty` and `tagsRev` move only when the list really changed, as the WeChat tag sync
 * expects. Every value from outside goes in as `$literal`: a tag name or attribute that starts
 * with `$` stays text, never a field path or an operator.
 */
import type { FanTag } from '../fans/fan-model.js';
import type { TagChange } from './merge-tags.js';

/** One stage of an update pipeline (MongoDB ≥ 4.2). */
export type UpdateStage = { $set: Record<string, unknown> } | { $unset: string[] };

const KEPT = '__tagsKept';
const NEXT = '__tagsNext';
const CHANGED = '__tagsChanged';

/** Stages applying `change` to `tags`, then setting `set` (field path → plain value). */
export function tagChangeStages(change: TagChange, set: Record<string, unknown> = {}): UpdateStage[] {
  const current = { $ifNull: ['$tags', []] };
  const additions: FanTag[] = change.add;
  return [
    {
      $set: {
        [KEPT]: { $filter: { input: current, as: 'tag', cond: { $not: [{ $in: ['$$tag.name', { $literal: change.remove }] }] } } },
      },
    },
    {
      $set: {
        [NEXT]: {
          $concatArrays: [
            `$${KEPT}`,
            { $filter: { input: { $literal: additions }, as: 'tag', cond: { $not: [{ $in: ['$$tag.name', `$${KEPT}.name`] }] } } },
          ],
        },
      },
    },
    { $set: { [CHANGED]: { $ne: [`$${NEXT}`, current] } } },
    {
      $set: {
        tags: `$${NEXT}`,
        tagsDirty: { $cond: [`$${CHANGED}`, true, { $ifNull: ['$tagsDirty', false] }] },
        tagsRev: { $add: [{ $ifNull: ['$tagsRev', 0] }, { $cond: [`$${CHANGED}`, 1, 0] }] },
        ...literalValues(set),
      },
    },
    { $unset: [KEPT, NEXT, CHANGED] },
  ];
}

/** `set` with every value as `$literal`, for a pipeline `$set` stage. */
export function literalValues(set: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(set).map(([path, value]) => [path, { $literal: value }]));
}

/**
 * Command: WeChat no longer has the user tag fanhook created for `name` (someone deleted it in
 * the MP backend, which also drops its members). Forget its id, so the next tag sync creates
 * it again, and mark every fan recorded on it dirty (moving the tag revision, so a sync already
 * running cannot write the stale record back), so that sync re-tags them.
 * @returns how many fans were marked.
 */
import type { Connection } from 'mongoose';
import { getFanModel } from '../fans/fan-model.js';
import { getWechatTagModel } from './wechat-tag-model.js';

export async function forgetWechatTag(connection: Connection, name: string, tagId: number): Promise<number> {
  // By id too: another instance may already have created the replacement.
  await getWechatTagModel(connection).deleteOne({ name, tagId });
  const marked = await getFanModel(connection).updateMany(
    { syncedTags: name },
    { $pull: { syncedTags: name }, $set: { tagsDirty: true }, $inc: { tagsRev: 1 } },
  );
  return marked.modifiedCount;
}

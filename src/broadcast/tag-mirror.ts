/**
 * Query: what fanhook knows about WeChat's members of a synced tag — the WeChat tag id the
 * sync job created, the subscribed fans it recorded as tagged on WeChat, and how many fans of
 * the segment are in doubt — for the by-tag decision (tag-send.ts), at planning and again
 * right before the `sendall` call.
 */
import type { Connection } from 'mongoose';
import { getFanModel } from '../fans/fan-model.js';
import { getWechatTagModel } from '../tagging/wechat-tag-model.js';
import type { TagMirror } from './tag-send.js';

/** The WeChat tag id of fanhook tag `name`, or undefined before the sync job created it. */
export async function wechatTagIdOf(connection: Connection, name: string): Promise<number | undefined> {
  const tag = await getWechatTagModel(connection).findOne({ name }, { tagId: 1 }).lean();
  return tag?.tagId;
}

/**
 * Two indexed queries (syncedTags, tags.name): the members are streamed, not gathered in one
 * aggregation result, because a large tag's openids outgrow a single document. Unsubscribed
 * fans are left out because WeChat delivers nothing to them (and drops them from its tags).
 */
export async function readTagMirror(connection: Connection, name: string): Promise<TagMirror> {
  const fans = getFanModel(connection);
  const members: string[] = [];
  for await (const fan of fans.find({ subscribed: true, syncedTags: name }, { openId: 1 }).lean<{ openId: string }>().cursor()) {
    members.push(fan.openId);
  }
  // A fan who unfollowed and came back is dirty until the sync re-tagged them on WeChat.
  const unsettled = await fans.countDocuments({ subscribed: true, 'tags.name': name, tagsDirty: true });
  return { members, unsettled };
}

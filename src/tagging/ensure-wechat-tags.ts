/**
 * Command: the WeChat tag id of every synced tag name, creating missing WeChat tags once.
 * A name WeChat already has (45157, e.g. created by hand in the MP backend) is adopted
 * from tags/get instead of failing.
 */
import type { Connection } from 'mongoose';
import { WechatApiError } from '../errors.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import { listWechatTags } from './wechat-tag-list.js';
import { getWechatTagModel } from './wechat-tag-model.js';

const TAG_NAME_EXISTS = 45157;

/** Resolves `names` to WeChat tag ids (creating tags as needed). */
export async function ensureWechatTags(
  connection: Connection,
  api: WechatApiClient,
  names: readonly string[],
): Promise<Map<string, number>> {
  const model = getWechatTagModel(connection);
  const known = new Map((await model.find({ name: { $in: [...names] } }).lean()).map((tag) => [tag.name, tag.tagId]));
  for (const name of names.filter((candidate) => !known.has(candidate))) {
    const tagId = await createOrAdopt(api, name);
    // Upsert: two instances creating the same tag end with one mapping (the API refused the second).
    await model.updateOne({ name }, { $setOnInsert: { name, tagId } }, { upsert: true });
    known.set(name, tagId);
  }
  return known;
}

async function createOrAdopt(api: WechatApiClient, name: string): Promise<number> {
  try {
    const created = await api.post<{ tag: { id: number } }>('/cgi-bin/tags/create', { tag: { name } });
    return created.tag.id;
  } catch (error) {
    if (!(error instanceof WechatApiError) || error.errcode !== TAG_NAME_EXISTS) {
      throw error;
    }
  }
  const existing = (await listWechatTags(api)).find((tag) => tag.name === name);
  if (!existing) {
    throw new Error(`WeChat says tag "${name}" exists but tags/get does not list it`);
  }
  return existing.id;
}

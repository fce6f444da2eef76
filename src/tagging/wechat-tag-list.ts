/**
 * Query: the account's user tags as WeChat has them now (`tags/get`, WECHAT.md §7) — id, name
 * and member count. The merchant can create, delete or fill tags by hand in the MP backend,
 * so this is the only word on what a by-tag send will reach.
 */
import type { WechatApiClient } from '../wechat/api-client.js';

export interface WechatTagInfo {
  id: number;
  name: string;
  count: number;
}

export async function listWechatTags(api: WechatApiClient): Promise<WechatTagInfo[]> {
  const { tags } = await api.get<{ tags?: Array<{ id: number; name: string; count?: number }> }>('/cgi-bin/tags/get', {
    idempotent: true,
  });
  return (tags ?? []).map((tag) => ({ id: tag.id, name: tag.name, count: tag.count ?? 0 }));
}

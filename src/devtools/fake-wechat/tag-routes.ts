/**
 * Tags (shared/WECHAT.md §7.1): create, list, rename and delete tags, tag and untag fans in
 * batches, and list a fan's tags or a tag's fans. The system tag (id 2) cannot be changed.
 */
import { OK, error, isObject, isOpenId, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { openIdPage } from './openid-page.js';
import { MAX_TAGS, MAX_TAGS_PER_FAN, SYSTEM_TAG_ID } from './protocol.js';

/** POST /cgi-bin/tags/create: a new tag with a unique name of at most 30 bytes. */
export function tagCreate(account: FakeAccount, req: FakeRequest): Answer {
  const tag = isObject(req.body) ? req.body.tag : undefined;
  const name = isObject(tag) ? tag.name : undefined;
  if (typeof name !== 'string' || name.trim() === '') {
    return error(45157);
  }
  if (Buffer.byteLength(name, 'utf8') > 30) {
    return error(45158);
  }
  if ([...account.tags.values()].includes(name)) {
    return error(45157);
  }
  if (account.tags.size >= MAX_TAGS) {
    return error(45056);
  }
  const id = account.nextTagId++;
  account.tags.set(id, name);
  account.tagMembers.set(id, new Set());
  return { body: { tag: { id, name } } };
}

/** GET /cgi-bin/tags/get: every tag with its member count. */
export function tagList(account: FakeAccount): Answer {
  const tags = [...account.tags].map(([id, name]) => ({ id, name, count: account.tagMembers.get(id)?.size ?? 0 }));
  return { body: { tags } };
}

/** POST /cgi-bin/tags/update: renames a tag (not a system tag). */
export function tagUpdate(account: FakeAccount, req: FakeRequest): Answer {
  const tag = isObject(req.body) ? req.body.tag : undefined;
  if (!isObject(tag) || typeof tag.id !== 'number' || typeof tag.name !== 'string') {
    return error(47001);
  }
  if (tag.id <= SYSTEM_TAG_ID) {
    return error(45058);
  }
  if (!account.tags.has(tag.id)) {
    return error(45159);
  }
  if (Buffer.byteLength(tag.name, 'utf8') > 30) {
    return error(45158);
  }
  const clash = [...account.tags].some(([id, name]) => name === tag.name && id !== tag.id);
  if (clash) {
    return error(45157);
  }
  account.tags.set(tag.id, tag.name);
  return OK;
}

/** POST /cgi-bin/tags/delete: removes a tag and untags its members. */
export function tagDelete(account: FakeAccount, req: FakeRequest): Answer {
  const tag = isObject(req.body) ? req.body.tag : undefined;
  const id = isObject(tag) ? tag.id : undefined;
  if (typeof id !== 'number') {
    return error(47001);
  }
  if (id <= SYSTEM_TAG_ID) {
    return error(45058);
  }
  if (!account.tags.has(id)) {
    return error(45159);
  }
  for (const openId of account.tagMembers.get(id) ?? []) {
    account.fanTags.get(openId)?.delete(id);
  }
  account.tags.delete(id);
  account.tagMembers.delete(id);
  return OK;
}

/** POST /cgi-bin/tags/members/batchtagging (add) and batchuntagging (remove), up to 50 openids. */
export function batchTagging(account: FakeAccount, req: FakeRequest, add: boolean): Answer {
  const body = req.body;
  if (!isObject(body)) {
    return error(44002);
  }
  const list = body.openid_list;
  if (!Array.isArray(list) || list.length === 0 || list.length > 50) {
    return error(40032);
  }
  if (!list.every(isOpenId)) {
    return error(40003);
  }
  const tagId = body.tagid;
  const members = typeof tagId === 'number' ? account.tagMembers.get(tagId) : undefined;
  if (typeof tagId !== 'number' || !members) {
    return error(45159);
  }
  // Check the whole batch first: WeChat applies a batch all or nothing.
  if (
    add &&
    list.some((openId) => !account.fanTags.get(openId)?.has(tagId) && (account.fanTags.get(openId)?.size ?? 0) >= MAX_TAGS_PER_FAN)
  ) {
    return error(45059);
  }
  for (const openId of list) {
    account.fan(openId);
    const own = account.fanTags.get(openId) ?? new Set<number>();
    account.fanTags.set(openId, own);
    if (add) {
      own.add(tagId);
      members.add(openId);
    } else {
      own.delete(tagId);
      members.delete(openId);
    }
  }
  return OK;
}

/** POST /cgi-bin/tags/getidlist: one fan's tag ids. */
export function tagIdList(account: FakeAccount, req: FakeRequest): Answer {
  const openId = isObject(req.body) ? req.body.openid : undefined;
  if (!isOpenId(openId)) {
    return error(40003);
  }
  return { body: { tagid_list: [...(account.fanTags.get(openId) ?? [])] } };
}

/** POST /cgi-bin/user/tag/get: the members of a tag, a page at a time. */
export function tagFans(account: FakeAccount, req: FakeRequest): Answer {
  const body = isObject(req.body) ? req.body : {};
  const members = typeof body.tagid === 'number' ? account.tagMembers.get(body.tagid) : undefined;
  if (!members) {
    return error(45159);
  }
  return openIdPage([...members], typeof body.next_openid === 'string' ? body.next_openid : '', false);
}

/**
 * Fans' profiles (shared/WECHAT.md §7.3, §7.4): one profile, a batch of profiles, and the
 * list of followers.
 */
import { error, isObject, isOpenId, type Answer, type FakeRequest, type Json } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { openIdPage } from './openid-page.js';

function userInfo(account: FakeAccount, openId: unknown): Json | null {
  if (!isOpenId(openId)) {
    return null;
  }
  const fan = account.fan(openId);
  if (!fan.subscribe) {
    return { subscribe: 0, openid: openId };
  }
  // Nickname, avatar, sex and region are blanked since 2021 (§7.3); the fake answers the same.
  return {
    subscribe: 1,
    openid: openId,
    nickname: '',
    sex: 0,
    language: fan.language,
    city: '',
    province: '',
    country: '',
    headimgurl: '',
    subscribe_time: fan.subscribeTime,
    remark: fan.remark,
    groupid: 0,
    tagid_list: [...(account.fanTags.get(openId) ?? [])],
    subscribe_scene: fan.subscribeScene,
    qr_scene: fan.qrScene,
    qr_scene_str: fan.qrSceneStr,
  };
}

/** GET /cgi-bin/user/info: one fan's profile. */
export function userInfoRoute(account: FakeAccount, req: FakeRequest): Answer {
  const info = userInfo(account, req.query.openid);
  return info ? { body: info } : error(40003);
}

/** POST /cgi-bin/user/info/batchget: up to 100 profiles at once. */
export function userBatchGet(account: FakeAccount, req: FakeRequest): Answer {
  const list = isObject(req.body) ? req.body.user_list : undefined;
  if (!Array.isArray(list) || list.length === 0 || list.length > 100) {
    return error(40032);
  }
  const infos: Json[] = [];
  for (const item of list) {
    const info = isObject(item) ? userInfo(account, item.openid) : null;
    if (!info) {
      return error(40003);
    }
    infos.push(info);
  }
  return { body: { user_info_list: infos } };
}

/** GET /cgi-bin/user/get: the followers, a page at a time. */
export function userList(account: FakeAccount, req: FakeRequest): Answer {
  const subscribed = [...account.fans.values()].filter((fan) => fan.subscribe).map((fan) => fan.openId);
  return openIdPage(subscribed, req.query.next_openid ?? '', true);
}

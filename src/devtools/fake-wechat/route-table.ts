/**
 * The route table: every WeChat API path the fake knows, with its HTTP method, whether it
 * needs an access_token, and the handler that answers it. Listed in one place (STYLE.md
 * §5.1, explicit wiring); a path missing here answers 40066 as unexpected.
 */
import type { Answer, FakeRequest } from './answers.js';
import { customSend, typing } from './custom-message-routes.js';
import type { FakeAccount } from './fake-account.js';
import { massDelete, massGet, massSpeed } from './mass-job-routes.js';
import { massPreview, massSend, massSendAll } from './mass-send-routes.js';
import { mediaGet, mediaUpload, quotaGet } from './media-and-quota-routes.js';
import { batchTagging, tagCreate, tagDelete, tagFans, tagIdList, tagList, tagUpdate } from './tag-routes.js';
import { oauthAccessToken, oauthAuthorize } from './oauth-routes.js';
import { classicTokenRoute, stableTokenRoute } from './token-routes.js';
import { userBatchGet, userInfoRoute, userList } from './user-routes.js';
import { currentSelfMenu, menuAddConditional, menuCreate, menuDelConditional, menuDelete, menuGet } from './menu-routes.js';
import { qrcodeCreate, showQrcode } from './qrcode-routes.js';
import { templateSend } from './template-routes.js';
import type { FakeWechatApiOptions } from './types.js';

/** One API path: its method, whether it needs an access_token, and its handler. */
export interface Route {
  method: 'GET' | 'POST';
  auth: boolean;
  handle: (req: FakeRequest) => Answer | Promise<Answer>;
}

/** The routes of the fake, by path, bound to one account. */
export function buildRouteTable(account: FakeAccount, options: FakeWechatApiOptions): Map<string, Route> {
  const post = (handle: Route['handle']): Route => ({ method: 'POST', auth: true, handle });
  const get = (handle: Route['handle']): Route => ({ method: 'GET', auth: true, handle });
  return new Map<string, Route>([
    ['/cgi-bin/stable_token', { method: 'POST', auth: false, handle: (r) => stableTokenRoute(account, r) }],
    ['/cgi-bin/token', { method: 'GET', auth: false, handle: (r) => classicTokenRoute(account, r) }],
    // Web OAuth: the authorize page (WECHAT_OAUTH_BASE) and the code exchange (WECHAT_API_BASE).
    ['/connect/oauth2/authorize', { method: 'GET', auth: false, handle: (r) => oauthAuthorize(account, r) }],
    ['/sns/oauth2/access_token', { method: 'GET', auth: false, handle: (r) => oauthAccessToken(account, r) }],
    ['/cgi-bin/message/custom/send', post((r) => customSend(account, r))],
    ['/cgi-bin/message/custom/typing', post((r) => typing(account, r))],
    ['/cgi-bin/message/mass/send', post((r) => massSend(account, r))],
    ['/cgi-bin/message/mass/sendall', post((r) => massSendAll(account, r))],
    ['/cgi-bin/message/mass/preview', post((r) => massPreview(account, r))],
    ['/cgi-bin/message/mass/get', post((r) => massGet(account, r))],
    ['/cgi-bin/message/mass/delete', post((r) => massDelete(account, r))],
    ['/cgi-bin/message/mass/speed/get', post((r) => massSpeed(account, r))],
    ['/cgi-bin/message/mass/speed/set', post((r) => massSpeed(account, r))],
    ['/cgi-bin/tags/create', post((r) => tagCreate(account, r))],
    ['/cgi-bin/tags/get', get(() => tagList(account))],
    ['/cgi-bin/tags/update', post((r) => tagUpdate(account, r))],
    ['/cgi-bin/tags/delete', post((r) => tagDelete(account, r))],
    ['/cgi-bin/tags/members/batchtagging', post((r) => batchTagging(account, r, true))],
    ['/cgi-bin/tags/members/batchuntagging', post((r) => batchTagging(account, r, false))],
    ['/cgi-bin/tags/getidlist', post((r) => tagIdList(account, r))],
    ['/cgi-bin/user/tag/get', post((r) => tagFans(account, r))],
    ['/cgi-bin/user/info', get((r) => userInfoRoute(account, r))],
    ['/cgi-bin/user/info/batchget', post((r) => userBatchGet(account, r))],
    ['/cgi-bin/user/get', get((r) => userList(account, r))],
    ['/cgi-bin/media/upload', post((r) => mediaUpload(account, r))],
    ['/cgi-bin/media/get', get((r) => mediaGet(account, r))],
    ['/cgi-bin/openapi/quota/get', post((r) => quotaGet(account, r))],
    ['/cgi-bin/message/template/send', post((r) => templateSend(account, options, r))],
    ['/cgi-bin/menu/create', post((r) => menuCreate(account, r))],
    ['/cgi-bin/menu/get', get(() => menuGet(account))],
    ['/cgi-bin/menu/delete', get(() => menuDelete(account))],
    ['/cgi-bin/menu/addconditional', post((r) => menuAddConditional(account, r))],
    ['/cgi-bin/menu/delconditional', post((r) => menuDelConditional(account, r))],
    ['/cgi-bin/get_current_selfmenu_info', get(() => currentSelfMenu(account))],
    ['/cgi-bin/qrcode/create', post((r) => qrcodeCreate(account, r))],
    // On the MP domain (WECHAT_MP_BASE) in production, without an access_token.
    ['/cgi-bin/showqrcode', { method: 'GET', auth: false, handle: (r) => showQrcode(account, r) }],
  ]);
}

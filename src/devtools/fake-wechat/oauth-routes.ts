/**
 * Web authorization (网页授权, WECHAT.md §16) as a WeChat browser and server would do it:
 * the authorize page sends the browser back to `redirect_uri?code=…&state=…` for the
 * follower set as the opener (`setOAuthOpener`, `POST /__fake/oauth-opener`), and
 * `sns/oauth2/access_token` exchanges a code once, within 5 minutes, for that openid.
 */
import { randomBytes } from 'node:crypto';
import { error, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';

const CODE_LIFETIME_MS = 5 * 60_000;

const page = (text: string): Answer => ({
  body: `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body><p>${text}</p></body></html>`,
  contentType: 'text/html; charset=utf-8',
});

/** GET /connect/oauth2/authorize: a silent (`snsapi_base`) or consented authorization for the opener. */
export function oauthAuthorize(account: FakeAccount, req: FakeRequest): Answer {
  const { appid, redirect_uri: redirectUri, response_type: responseType, scope, state = '' } = req.query;
  if (appid !== account.opts.appId) {
    return page('appid 参数错误');
  }
  if (!redirectUri || !/^https?:\/\//.test(redirectUri) || responseType !== 'code') {
    return page('redirect_uri 参数错误');
  }
  if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
    return page('scope 参数错误或没有 scope 权限');
  }
  if (!/^[A-Za-z0-9]{0,128}$/.test(state)) {
    return page('state 参数错误');
  }
  const openId = account.oauthOpener;
  if (!openId) {
    return page('请在微信客户端打开链接');
  }
  const code = randomBytes(16).toString('hex');
  account.oauthCodes.set(code, { openId, at: account.now(), used: false });
  const back = new URL(redirectUri);
  back.searchParams.set('code', code);
  back.searchParams.set('state', state);
  return { status: 302, body: '', contentType: 'text/html; charset=utf-8', location: back.toString() };
}

/** GET /sns/oauth2/access_token: one code, once, for the openid it was issued to. */
export function oauthAccessToken(account: FakeAccount, req: FakeRequest): Answer {
  const { appid, secret, code = '', grant_type: grantType } = req.query;
  if (appid !== account.opts.appId) {
    return error(40013);
  }
  if (secret !== account.opts.appSecret) {
    return error(40125);
  }
  if (grantType !== 'authorization_code') {
    return error(40002);
  }
  const issued = account.oauthCodes.get(code);
  if (!issued || account.now() - issued.at > CODE_LIFETIME_MS) {
    return error(40029);
  }
  if (issued.used) {
    return error(40163);
  }
  issued.used = true;
  return {
    body: {
      access_token: `web-${randomBytes(12).toString('hex')}`,
      expires_in: 7200,
      refresh_token: `refresh-${randomBytes(12).toString('hex')}`,
      openid: issued.openId,
      scope: 'snsapi_base',
      is_snapshotuser: 0,
    },
  };
}

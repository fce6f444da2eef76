/**
 * Posting an event to the bot's callback URL the way WeChat does: signed with the callback
 * token and, in safe mode, encrypted (shared/WECHAT.md §1, §4). The job-result pushes
 * (MASSSENDJOBFINISH, TEMPLATESENDJOBFINISH) share it.
 */
import { WechatCrypto } from '../../wechat/crypto.js';
import { signQuery } from '../../wechat/signature.js';
import type { FakeAccount } from './fake-account.js';
import type { FakeWechatApiOptions } from './types.js';

/** Escapes a value for a CDATA section. */
export function escapeCdata(value: string): string {
  return value.replaceAll(']]>', ']]]]><![CDATA[>');
}

/** The account's original id, the ToUserName of every pushed event. */
export function originalIdOf(options: FakeWechatApiOptions): string {
  return options.originalId ?? 'gh_fa4e00000000';
}

/** Posts `xml` (an event from `fromOpenId`) to the configured callback; throws when none is set or it fails. */
export async function postToCallback(
  account: FakeAccount,
  options: FakeWechatApiOptions,
  xml: string,
  fromOpenId: string,
  what: string,
): Promise<void> {
  const callback = account.callback ?? options.callback;
  if (!callback) {
    throw new Error(`startFakeWechatApi: no callback configured, cannot push ${what}`);
  }
  const { url, token, aesKey } = callback;
  let payload = xml;
  let query = signQuery(token);
  if (aesKey) {
    // Safe mode: WeChat sends only the envelope, signed with msg_signature over Encrypt (§4).
    const encrypt = new WechatCrypto({ appId: account.opts.appId, aesKey }).encrypt(xml);
    payload = `<xml><ToUserName><![CDATA[${originalIdOf(options)}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    query = signQuery(token, { encrypt });
  }
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) {
    target.searchParams.set(key, String(value));
  }
  target.searchParams.set('openid', fromOpenId);
  const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: payload });
  await response.text();
  if (!response.ok) {
    throw new Error(`${what} push to ${url} answered HTTP ${response.status}`);
  }
}

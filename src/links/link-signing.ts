/**
 * PURE: the codes in tracked links. A link code is random and unguessable; a per-fan code
 * (customer-service messages and replies, which go to one known fan) adds the openid and an
 * HMAC over code and openid, so it cannot be forged for another fan; the OAuth `state` is an
 * HMAC of the link code, so a callback cannot be replayed onto another link.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A link code: 9 random bytes, 12 URL-safe characters. */
export const LINK_CODE = /^[A-Za-z0-9_-]{12}$/;
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const MAC_LENGTH = 16;

/** A new random link code. */
export function newLinkCode(): string {
  return randomBytes(9).toString('base64url');
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url').slice(0, MAC_LENGTH);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The per-fan part of `/l/<code>/<fan>`: `<openid>.<mac>`. */
export function fanToken(secret: string, code: string, openId: string): string {
  return `${openId}.${mac(secret, `fan\u0000${code}\u0000${openId}`)}`;
}

/** The openid a per-fan token stands for, or null when it was not signed by us for this code. */
export function openIdOfToken(secret: string, code: string, token: string): string | null {
  const dot = token.lastIndexOf('.');
  const openId = token.slice(0, dot);
  if (dot < 1 || !OPENID.test(openId)) {
    return null;
  }
  return sameText(token, fanToken(secret, code, openId)) ? openId : null;
}

/** The OAuth `state` bound to a link code (WeChat allows a–z, A–Z, 0–9, ≤ 128 bytes). */
export function oauthState(secret: string, code: string): string {
  return createHmac('sha256', secret).update(`state\u0000${code}`).digest('hex').slice(0, 32);
}

/** True when `state` is the one fanhook issued for `code`. */
export function isOAuthStateOf(secret: string, code: string, state: string): boolean {
  return sameText(state, oauthState(secret, code));
}

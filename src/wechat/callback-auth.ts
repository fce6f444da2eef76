/**
 * Verification of a callback before anything is read or stored (shared/WECHAT.md §1, §4.1):
 * the URL handshake, the `signature` and age of every POST, and the mode rule — with an AES
 * key configured, a plaintext POST is refused, because the query `signature` does not cover
 * the body and a pair copied from any safe-mode callback would carry a forged message.
 */
import { SignatureError } from '../errors.js';
import type { WechatCrypto } from './crypto.js';
import { verifyMsgSignature, verifySignature } from './signature.js';

/** The query WeChat sends with a callback. */
export interface CallbackQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
  msg_signature?: string;
  openid?: string;
}

export interface CallbackAuthOptions {
  token: string;
  /** Present when an EncodingAESKey is configured (compatible/safe mode). */
  crypto: WechatCrypto | undefined;
  /** Signed requests older than this are refused as replays (WeChat sends them at once). */
  maxRequestAgeSeconds?: number;
  /** With an AES key: still accept plaintext POSTs (only while switching the MP backend's mode). */
  acceptPlaintext?: boolean;
}

/** GET: URL verification. Returns the text to echo, or throws SignatureError (→ 401). */
export function verifyUrl(options: CallbackAuthOptions, query: CallbackQuery): string {
  const { token, crypto } = options;
  const { timestamp = '', nonce = '', echostr } = query;
  if (echostr === undefined) {
    throw new SignatureError('missing echostr');
  }
  // The WeCom/open-platform variant signs an encrypted echostr with msg_signature (WECHAT.md §1).
  if (query.encrypt_type && query.msg_signature && crypto) {
    if (!verifyMsgSignature(token, { msgSignature: query.msg_signature, timestamp, nonce, encrypt: echostr })) {
      throw new SignatureError();
    }
    return crypto.decrypt(echostr).message;
  }
  if (!verifySignature(token, { signature: query.signature ?? '', timestamp, nonce })) {
    throw new SignatureError();
  }
  return echostr;
}

/** POST: checks `signature`, its age and the mode rule; throws SignatureError (→ 401). */
export function assertSigned(options: CallbackAuthOptions, query: CallbackQuery): void {
  const { timestamp = '', nonce = '' } = query;
  if (!verifySignature(options.token, { signature: query.signature ?? '', timestamp, nonce })) {
    throw new SignatureError();
  }
  const maxAge = options.maxRequestAgeSeconds;
  if (maxAge !== undefined) {
    // Real time, not the injectable clock: the sender signed with its wall clock.
    const age = Math.abs(Date.now() / 1000 - Number(timestamp));
    if (!Number.isFinite(age) || age > maxAge) {
      throw new SignatureError('stale timestamp');
    }
  }
  // WeChat sends encrypt_type=aes in both compatible and safe mode (WECHAT.md §4.1).
  if (options.crypto && query.encrypt_type !== 'aes' && !options.acceptPlaintext) {
    throw new SignatureError('plaintext callback refused: an AES key is configured');
  }
}

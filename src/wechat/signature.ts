/**
 * Callback signatures (shared/WECHAT.md §1 and §4.2): SHA-1 over the byte-sorted concatenation
 * of token, timestamp, nonce (and, for `msg_signature`, the Base64 `Encrypt`).
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/** The query parameters WeChat attaches to every callback (§1, §2.1). */
export interface SignatureParams {
  signature: string;
  timestamp: string;
  nonce: string;
}

/** The parameters of an encrypted callback: `msg_signature` covers the `Encrypt` too (§4.2). */
export interface MsgSignatureParams {
  msgSignature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}

/** What `signQuery` returns; keys are WeChat's query-parameter names, ready for URLSearchParams. */
export interface SignedQuery {
  signature: string;
  timestamp: string;
  nonce: string;
  /** Present only when `encrypt` was given (safe/compatible mode, §4.1). */
  msg_signature?: string;
  encrypt_type?: 'aes';
}

/** Options of `signQuery`; omitted values are generated (now, a random numeric nonce). */
export interface SignQueryOptions {
  timestamp?: string | number;
  nonce?: string;
  /** The Base64 `Encrypt` of the body: adds `msg_signature` and `encrypt_type=aes`. */
  encrypt?: string;
}

/** sha1-hex of the parts sorted in byte order and joined without a separator (§1). */
export function computeSignature(parts: readonly string[]): string {
  // §1 says "byte order". UTF-16 `sort()` agrees for ASCII (all real inputs) but not for every
  // non-ASCII token, so compare the UTF-8 bytes to be exact.
  const buffers = parts.map((part) => Buffer.from(part, 'utf8'));
  buffers.sort(Buffer.compare);
  const hash = createHash('sha1');
  for (const buffer of buffers) {
    hash.update(buffer);
  }
  return hash.digest('hex');
}

/** Constant-time equality of two strings; a different length is simply "not equal". */
function safeEqual(expected: string, actual: unknown): boolean {
  if (typeof actual !== 'string') {
    return false;
  }
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  // timingSafeEqual throws on unequal lengths; the length of a SHA-1 hex is public anyway.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when `signature` matches token/timestamp/nonce (plain-mode callbacks and the GET handshake, §1). */
export function verifySignature(token: string, params: SignatureParams): boolean {
  if (typeof params.timestamp !== 'string' || typeof params.nonce !== 'string') {
    return false;
  }
  return safeEqual(computeSignature([token, params.timestamp, params.nonce]), params.signature);
}

/** `msg_signature` = sha1 over sorted [token, timestamp, nonce, Encrypt] (§4.2). */
export function computeMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return computeSignature([token, timestamp, nonce, encrypt]);
}

/** True when `msgSignature` covers the Base64 `Encrypt`; never verify `Encrypt` with `signature` (§4.1 FAQ). */
export function verifyMsgSignature(token: string, params: MsgSignatureParams): boolean {
  const { timestamp, nonce, encrypt } = params;
  if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof encrypt !== 'string') {
    return false;
  }
  return safeEqual(computeMsgSignature(token, timestamp, nonce, encrypt), params.msgSignature);
}

/** Signs a callback the way WeChat would (tests, simulator, benchmark). */
export function signQuery(token: string, options: SignQueryOptions = {}): SignedQuery {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  // WeChat's nonces are decimal digit strings (§1 examples); mimic that.
  const nonce = options.nonce ?? String(randomInt(100_000_000, 2_000_000_000));
  const query: SignedQuery = { signature: computeSignature([token, timestamp, nonce]), timestamp, nonce };
  if (options.encrypt !== undefined) {
    query.msg_signature = computeMsgSignature(token, timestamp, nonce, options.encrypt);
    query.encrypt_type = 'aes';
  }
  return query;
}

/**
 * Decryption of a callback body (shared/WECHAT.md §4): a safe/compatible-mode body is checked
 * against `msg_signature` and decrypted; a plaintext body is parsed as it is. The result says
 * how the reply must go back (encrypted with the key that opened the request).
 */
import { SignatureError, ValidationError } from '../errors.js';
import type { CallbackQuery } from './callback-auth.js';
import type { AesKeyUsed, WechatCrypto } from './crypto.js';
import type { InboundMessage } from './inbound.js';
import { parseInboundXml } from './inbound-xml.js';
import { verifyMsgSignature } from './signature.js';
import { parseEncryptedEnvelope } from './xml-parse.js';

/** A decoded callback. */
export interface DecodedRequest {
  message: InboundMessage;
  /** Reply encrypted (with the key that decrypted the request) when the request was. */
  encrypted: boolean;
  keyUsed: AesKeyUsed;
}

/** Decodes `body` as the query says it was sent; throws SignatureError or ValidationError. */
export function decodeCallback(token: string, crypto: WechatCrypto | undefined, query: CallbackQuery, body: string): DecodedRequest {
  if (query.encrypt_type === 'aes') {
    if (!crypto) {
      throw new ValidationError('encrypted callback but no WECHAT_AES_KEY is configured');
    }
    const { encrypt } = parseEncryptedEnvelope(body);
    const signed = { msgSignature: query.msg_signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '', encrypt };
    if (!verifyMsgSignature(token, signed)) {
      throw new SignatureError('invalid msg_signature');
    }
    const { message, keyUsed } = crypto.decrypt(encrypt);
    return { message: parseInboundXml(message), encrypted: true, keyUsed };
  }
  if (query.encrypt_type && query.encrypt_type !== 'raw') {
    throw new ValidationError(`unsupported encrypt_type: ${query.encrypt_type}`);
  }
  return { message: parseInboundXml(body), encrypted: false, keyUsed: 'current' };
}

/**
 * The HTTP answer to a callback (shared/WECHAT.md §3.1, §4.2): the passive reply as XML,
 * encrypted and signed when the request was, or plain `success` when there is nothing to say
 * now (accepted in every mode, encrypted or not).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { CallbackQuery } from './callback-auth.js';
import type { DecodedRequest } from './callback-decode.js';
import type { ReplyOutcome } from './callback-ports.js';
import type { WechatCrypto } from './crypto.js';
import { buildEncryptedReplyXml, buildReplyXml } from './reply-xml.js';
import { computeMsgSignature } from './signature.js';

/** The plain answer that tells WeChat "received, nothing to say" (WECHAT.md §3.1). */
export const SUCCESS = 'success';

export interface WebhookAnswer {
  body: string;
  contentType: 'text/plain' | 'application/xml';
}

/** `success` as an answer. */
export const SUCCESS_ANSWER: WebhookAnswer = Object.freeze({ body: SUCCESS, contentType: 'text/plain' });

export interface ReplyAnswerOptions {
  token: string;
  crypto: WechatCrypto | undefined;
  clock: Clock;
}

/** The answer carrying `outcome` back to the sender of `request`. */
export function answerFor(
  options: ReplyAnswerOptions,
  request: DecodedRequest,
  outcome: ReplyOutcome,
  query: CallbackQuery,
): WebhookAnswer {
  if (!outcome.reply || outcome.replyMode !== 'passive') {
    return SUCCESS_ANSWER;
  }
  const xml = buildReplyXml(outcome.reply, {
    toUserName: request.message.fromUserName,
    fromUserName: request.message.toUserName,
    createTime: Math.floor(options.clock.now().getTime() / 1000),
  });
  const crypto = options.crypto;
  if (!request.encrypted || !crypto) {
    return { body: xml, contentType: 'application/xml' };
  }
  const timestamp = query.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).readUInt32BE(0).toString();
  const encrypt = crypto.encryptWith(request.keyUsed, xml);
  const msgSignature = computeMsgSignature(options.token, timestamp, nonce, encrypt);
  return { body: buildEncryptedReplyXml({ encrypt, msgSignature, timestamp, nonce }), contentType: 'application/xml' };
}

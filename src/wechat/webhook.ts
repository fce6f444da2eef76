/**
 * The callback protocol, independent of Koa: URL verification, decryption, dedupe, running
 * the pipeline under the reply deadline, and the (encrypted) answer. WeChat waits 5 s and
 * then retries; whatever happens inside, the answer is a valid reply or `success`, so a bug
 * never causes a retry storm or the "service unavailable" notice (STYLE.md §5.3).
 */
import { randomBytes } from 'node:crypto';
import { SignatureError, ValidationError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { InboundSpool, SpoolEntry } from '../interactions/inbound-spool.js';
import type { ClaimResult, InteractionStore, ReplyOutcome } from '../interactions/interaction-store.js';
import type { DeferredReplySender } from './context.js';
import { WechatContext } from './context.js';
import type { WechatCrypto } from './crypto.js';
import { dedupeKeyOf, type InboundMessage } from './inbound.js';
import { ReplySlot } from './reply-slot.js';
import type { OutboundReply } from './reply.js';
import { computeMsgSignature, verifyMsgSignature, verifySignature } from './signature.js';
import { heardAsText } from './voice-as-text.js';
import { parseInboundXml } from './inbound-xml.js';
import { buildEncryptedReplyXml, buildReplyXml } from './reply-xml.js';
import { parseEncryptedEnvelope } from './xml-parse.js';

const SPOOL_AFTER_MS = 3_000;

/** The plain answer that tells WeChat "received, nothing to say" (WECHAT.md §3.1). */
export const SUCCESS = 'success';

export interface CallbackQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
  msg_signature?: string;
  openid?: string;
}

export interface WebhookOptions {
  token: string;
  /** Present when an EncodingAESKey is configured (compatible/safe mode). */
  crypto: WechatCrypto | undefined;
  store: InteractionStore;
  deferred: DeferredReplySender;
  /** Runs the pipeline for one context. */
  run: (ctx: WechatContext) => Promise<void>;
  logger: Logger;
  clock: Clock;
  replyDeadlineMs: number;
  /** Signed requests older than this are refused as replays (WeChat sends them at once). */
  maxRequestAgeSeconds?: number;
  /**
   * Where messages go when the database does not take the claim in time (outage): they are
   * answered `success` and replayed later (see interactions/inbound-spool.ts). Without a
   * spool a database error fails the request, and WeChat's few retries are all there is.
   */
  spool?: InboundSpool;
  /**
   * How long a claim may take before the message is spooled instead (default 3,000 ms: a
   * busy database is slow, not gone; the spool append still leaves time before WeChat's 5 s).
   */
  spoolAfterMs?: number;
}

export interface WebhookAnswer {
  body: string;
  contentType: 'text/plain' | 'application/xml';
}

interface DecodedRequest {
  message: InboundMessage;
  /** Reply encrypted (with the key that decrypted the request) when the request was. */
  encrypted: boolean;
  keyUsed: 'current' | 'previous';
}

export class WechatWebhook {
  constructor(private readonly options: WebhookOptions) {}

  /** GET: URL verification. Returns the text to echo, or throws SignatureError (→ 401). */
  verifyUrl(query: CallbackQuery): string {
    const { token, crypto } = this.options;
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

  /** Checks `signature` (every request) before anything is read or stored. */
  assertSigned(query: CallbackQuery): void {
    const { timestamp = '', nonce = '' } = query;
    if (!verifySignature(this.options.token, { signature: query.signature ?? '', timestamp, nonce })) {
      throw new SignatureError();
    }
    const maxAge = this.options.maxRequestAgeSeconds;
    if (maxAge !== undefined) {
      // Real time, not the injectable clock: the sender signed with its wall clock.
      const age = Math.abs(Date.now() / 1000 - Number(timestamp));
      if (!Number.isFinite(age) || age > maxAge) {
        throw new SignatureError('stale timestamp');
      }
    }
  }

  /** POST: one inbound message or event. The signature must have been checked already. */
  async handle(query: CallbackQuery, body: string): Promise<WebhookAnswer> {
    const startedAt = Date.now();
    const request = this.decode(query, body);
    const { message } = request;
    const claim = await this.claimOrSpool(message, startedAt);
    if (claim === 'spooled') {
      return { body: SUCCESS, contentType: 'text/plain' };
    }
    if (claim.outcome === 'duplicate') {
      return this.answer(request, claim, query);
    }
    if (claim.outcome === 'in_progress') {
      // A concurrent delivery of the same message is being handled: answer what it answers.
      const outcome = await this.options.store.waitForOutcome(claim.dedupeKey, startedAt + this.options.replyDeadlineMs);
      return this.answer(request, outcome ?? { reply: null, replyMode: 'deferred' }, query);
    }
    const outcome = await this.process(message, claim.id, startedAt);
    return this.answer(request, outcome, query);
  }

  /**
   * Replays spooled messages through the pipeline once the database is back. Their replies
   * go out by customer-service message (the passive answer was `success`); one already
   * stored (a retry reached another instance) is skipped by the same dedupe receipt.
   * @returns how many messages were replayed.
   */
  async replaySpool(): Promise<number> {
    const spool = this.options.spool;
    return spool ? spool.replayAll((entry) => this.replayEntry(entry)) : 0;
  }

  private async replayEntry({ message }: SpoolEntry): Promise<boolean> {
    const claim = await withTimeout(this.options.store.claim(message), this.options.spoolAfterMs ?? SPOOL_AFTER_MS);
    if (claim === 'timeout' || claim.outcome === 'in_progress') {
      return false;
    }
    if (claim.outcome === 'claimed') {
      this.options.logger.info(
        { openId: message.fromUserName, dedupeKey: dedupeKeyOf(message) },
        'replaying a message spooled during a database outage',
      );
      await this.process(message, claim.id, Date.now(), { passive: false });
    }
    return true;
  }

  /** The claim, or 'spooled' when the database failed or was too slow to take it. */
  private async claimOrSpool(message: InboundMessage, startedAt: number): Promise<ClaimResult | 'spooled'> {
    const spool = this.options.spool;
    if (!spool) {
      return this.options.store.claim(message);
    }
    let claim: ClaimResult | 'timeout' | Error;
    const claiming = this.options.store.claim(message);
    try {
      claim = await withTimeout(claiming, Math.max(0, startedAt + (this.options.spoolAfterMs ?? SPOOL_AFTER_MS) - Date.now()));
    } catch (error) {
      claim = error instanceof Error ? error : new Error(String(error));
    }
    if (claim !== 'timeout' && !(claim instanceof Error)) {
      return claim;
    }
    if (claim === 'timeout') {
      // Slow, not gone: if the claim still lands, handle the message now (replies by
      // customer-service message); the spooled copy then finds it done and is dropped.
      void claiming.then(
        (late) => (late.outcome === 'claimed' ? this.process(message, late.id, Date.now(), { passive: false }) : undefined),
        () => undefined,
      );
    }
    await spool.append({ message, receivedAt: startedAt });
    this.options.logger.warn(
      { openId: message.fromUserName, dedupeKey: dedupeKeyOf(message), reason: claim === 'timeout' ? 'claim timed out' : claim.message },
      'database unavailable: message spooled for replay, answered success',
    );
    return 'spooled';
  }

  /** Runs the pipeline; resolves at its end or at the deadline, whichever comes first. */
  private async process(
    message: InboundMessage,
    id: Parameters<InteractionStore['complete']>[0],
    startedAt: number,
    { passive }: { passive: boolean } = { passive: true },
  ): Promise<ReplyOutcome> {
    const slot = new ReplySlot();
    if (!passive) {
      // A replay: the HTTP answer is long gone, every reply goes by customer-service message.
      slot.close();
    }
    const logger = this.options.logger.child({ openId: message.fromUserName, msgId: message.msgId, kind: message.kind });
    // A recognised voice is handled as the fan's words (it is stored as the voice it was).
    const heard = heardAsText(message);
    const ctx = new WechatContext({ message: heard, slot, deferred: this.options.deferred, logger, clock: this.options.clock });
    const outcomeNow = (): ReplyOutcome =>
      slot.reply ? { reply: slot.reply, replyMode: 'passive' } : { reply: null, replyMode: slot.closed ? 'deferred' : 'none' };

    const finished = this.options
      .run(ctx)
      .then(
        async () => {
          slot.close();
          await this.options.store.complete(id, outcomeNow());
        },
        async (error: unknown) => {
          slot.close();
          logger.error({ err: error, dedupeKey: dedupeKeyOf(message) }, 'pipeline failed; answered success');
          await this.options.store.fail(id, error, outcomeNow());
        },
      )
      .then(() => 'finished' as const);

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), Math.max(0, startedAt + this.options.replyDeadlineMs - Date.now()));
    });
    const first = await Promise.race([finished, deadline]);
    clearTimeout(timer);
    if (first === 'deadline') {
      // Anything replied from now on goes out by customer-service message.
      slot.close();
      logger.warn(
        { deadlineMs: this.options.replyDeadlineMs },
        'reply deadline passed; answering now, the rest follows by customer-service message',
      );
      finished.catch((error: unknown) => logger.error({ err: error }, 'late completion failed'));
      return slot.reply ? { reply: slot.reply, replyMode: 'passive' } : { reply: null, replyMode: 'deferred' };
    }
    return outcomeNow();
  }

  private decode(query: CallbackQuery, body: string): DecodedRequest {
    if (query.encrypt_type === 'aes') {
      const crypto = this.options.crypto;
      if (!crypto) {
        throw new ValidationError('encrypted callback but no WECHAT_AES_KEY is configured');
      }
      const { encrypt } = parseEncryptedEnvelope(body);
      const signed = { msgSignature: query.msg_signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '', encrypt };
      if (!verifyMsgSignature(this.options.token, signed)) {
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

  private answer(request: DecodedRequest, outcome: ReplyOutcome, query: CallbackQuery): WebhookAnswer {
    if (!outcome.reply || outcome.replyMode !== 'passive') {
      // Plain `success` is accepted in every mode, encrypted or not (WECHAT.md §3.1).
      return { body: SUCCESS, contentType: 'text/plain' };
    }
    const xml = buildReplyXml(outcome.reply as OutboundReply, {
      toUserName: request.message.fromUserName,
      fromUserName: request.message.toUserName,
      createTime: Math.floor(this.options.clock.now().getTime() / 1000),
    });
    const crypto = this.options.crypto;
    if (!request.encrypted || !crypto) {
      return { body: xml, contentType: 'application/xml' };
    }
    const timestamp = query.timestamp ?? String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).readUInt32BE(0).toString();
    const encrypt = crypto.encryptWith(request.keyUsed, xml);
    const msgSignature = computeMsgSignature(this.options.token, timestamp, nonce, encrypt);
    return { body: buildEncryptedReplyXml({ encrypt, msgSignature, timestamp, nonce }), contentType: 'application/xml' };
  }
}

/** `promise`, or 'timeout' when it has not settled within `ms` (the promise keeps running). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  // A claim that settles after its timeout must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

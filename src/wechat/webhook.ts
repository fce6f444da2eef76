/**
 * The callback protocol, independent of Koa, assembled from one-job parts: verification
 * (callback-auth.ts), decryption (callback-decode.ts), dedupe and the outage spool
 * (callback-intake.ts), the pipeline under the reply deadline (pipeline-run.ts) and the
 * (encrypted) answer (reply-answer.ts). WeChat waits 5 s and then retries; whatever happens
 * inside, the answer is a valid reply or `success`, so a bug never causes a retry storm or the
 * "service unavailable" notice (STYLE.md §5.3).
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { assertSigned, verifyUrl, type CallbackAuthOptions, type CallbackQuery } from './callback-auth.js';
import { decodeCallback, type DecodedRequest } from './callback-decode.js';
import { CallbackIntake } from './callback-intake.js';
import type {
  CallbackSpool,
  Claim,
  DeadLetterSink,
  InteractionClaims,
  ReplyOutcome,
  SignedPairLedger,
  SpoolEntry,
} from './callback-ports.js';
import type { DeferredReplySender, WechatContext } from './context.js';
import type { WechatCrypto } from './crypto.js';
import { dedupeKeyOf, type InboundMessage } from './inbound.js';
import { PipelineRunner } from './pipeline-run.js';
import { answerFor, SUCCESS_ANSWER, type WebhookAnswer } from './reply-answer.js';

const SPOOL_AFTER_MS = 3_000;

export interface WebhookOptions {
  token: string;
  /** Present when an EncodingAESKey is configured (compatible/safe mode). */
  crypto: WechatCrypto | undefined;
  /** With an AES key: still accept plaintext callbacks (WECHAT_ACCEPT_PLAINTEXT=on). */
  acceptPlaintext?: boolean;
  claims: InteractionClaims;
  /** Records plaintext callbacks' timestamp+nonce (one signature, one message). */
  pairs: SignedPairLedger;
  deferred: DeferredReplySender;
  /** Runs the pipeline for one context. */
  run: (ctx: WechatContext) => Promise<void>;
  logger: Logger;
  clock: Clock;
  replyDeadlineMs: number;
  /** Signed requests older than this are refused as replays (WeChat sends them at once). */
  maxRequestAgeSeconds?: number;
  /**
   * Where messages go when the database does not take the claim in time (outage), and where
   * a failed message waits for its next attempt: answered `success`, replayed later (see
   * interactions/inbound-spool.ts).
   */
  spool: CallbackSpool;
  /** Where messages go that cannot be stored or keep failing. */
  deadLetters: DeadLetterSink;
  /** How long a claim may take before the message is spooled instead (default 3,000 ms). */
  spoolAfterMs?: number;
}

export class WechatWebhook {
  private readonly auth: CallbackAuthOptions;
  private readonly intake: CallbackIntake;
  private readonly runner: PipelineRunner;

  constructor(private readonly options: WebhookOptions) {
    this.auth = {
      token: options.token,
      crypto: options.crypto,
      acceptPlaintext: options.acceptPlaintext ?? false,
      ...(options.maxRequestAgeSeconds === undefined ? {} : { maxRequestAgeSeconds: options.maxRequestAgeSeconds }),
    };
    this.intake = new CallbackIntake({
      claims: options.claims,
      pairs: options.pairs,
      spool: options.spool,
      deadLetters: options.deadLetters,
      logger: options.logger,
      spoolAfterMs: options.spoolAfterMs ?? SPOOL_AFTER_MS,
    });
    this.runner = new PipelineRunner({
      run: options.run,
      claims: options.claims,
      deferred: options.deferred,
      logger: options.logger,
      clock: options.clock,
      replyDeadlineMs: options.replyDeadlineMs,
      onFailure: (message, claim, error) => this.retryOrGiveUp(message, claim, error),
    });
  }

  /** GET: URL verification. Returns the text to echo, or throws SignatureError (→ 401). */
  verifyUrl(query: CallbackQuery): string {
    return verifyUrl(this.auth, query);
  }

  /** Checks `signature`, its age and the mode rule before anything is read or stored. */
  assertSigned(query: CallbackQuery): void {
    assertSigned(this.auth, query);
  }

  /** POST: one inbound message or event. The signature must have been checked already. */
  async handle(query: CallbackQuery, body: string): Promise<WebhookAnswer> {
    const startedAt = Date.now();
    const request = decodeCallback(this.options.token, this.options.crypto, query, body);
    const { message } = request;
    // Only plaintext needs the pair record: msg_signature binds an encrypted body to its pair.
    const pair = request.encrypted ? undefined : `${query.timestamp ?? ''}:${query.nonce ?? ''}`;
    const claim = await this.intake.accept(message, pair, startedAt, (late) => void this.replay(message, late));
    if (claim === 'spooled' || claim === 'dead_lettered') {
      return SUCCESS_ANSWER;
    }
    if (claim.outcome === 'duplicate') {
      return this.answer(request, claim, query);
    }
    if (claim.outcome === 'in_progress') {
      // A concurrent delivery of the same message is being handled: answer what it answers.
      const outcome = await this.options.claims.waitForOutcome(claim.dedupeKey, startedAt + this.options.replyDeadlineMs);
      return this.answer(request, outcome ?? { reply: null, replyMode: 'deferred' }, query);
    }
    return this.answer(request, await this.runner.process(message, claim, startedAt), query);
  }

  /**
   * Replays spooled messages through the pipeline once the database is back. Their replies
   * go out by customer-service message (the passive answer was `success`); one already
   * stored (a retry reached another instance) is skipped by the same dedupe receipt.
   * @returns how many messages were replayed.
   */
  replaySpool(): Promise<number> {
    return this.options.spool.replayAll((entry) => this.replayEntry(entry));
  }

  private async replayEntry(entry: SpoolEntry): Promise<boolean> {
    const intake = await this.intake.acceptSpooled(entry);
    if (intake === 'keep') {
      return false;
    }
    if (intake !== 'drop' && intake.outcome === 'claimed') {
      this.options.logger.info(
        { openId: entry.message.fromUserName, dedupeKey: dedupeKeyOf(entry.message), attempt: intake.attempt },
        'replaying a spooled message',
      );
      await this.replay(entry.message, intake);
    }
    return true;
  }

  private replay(message: InboundMessage, claim: Claim): Promise<unknown> {
    return this.runner.process(message, claim, Date.now(), { passive: false });
  }

  /**
   * After a failed attempt: another one through the spool (a WeChat retry may come first; the
   * claim lets exactly one of them run), or, after the last, a dead letter.
   */
  private async retryOrGiveUp(message: InboundMessage, claim: Claim, error: unknown): Promise<void> {
    try {
      if (!claim.lastAttempt) {
        await this.options.spool.append({ message, receivedAt: Date.now() });
        return;
      }
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await this.options.deadLetters.add({ message, reason: 'failed', error: text, attempts: claim.attempt, receivedAt: Date.now() });
    } catch (lost) {
      // The disk refused too: WeChat's retry (if any) is all that is left.
      this.options.logger.error(
        { err: lost, dedupeKey: dedupeKeyOf(message) },
        'failed message could be neither spooled nor dead-lettered',
      );
    }
  }

  private answer(request: DecodedRequest, outcome: ReplyOutcome, query: CallbackQuery): WebhookAnswer {
    return answerFor({ token: this.options.token, crypto: this.options.crypto, clock: this.options.clock }, request, outcome, query);
  }
}

/**
 * The one client for every WeChat API call (SPEC.md §9, WECHAT.md §11): adds the shared
 * access_token, refreshes it once on 40001/40014/42001, backs off on -1/45011 and network
 * failures for calls that are safe to repeat, and stops calling an API that reported its
 * daily quota used up (45009) for a while instead of hammering it.
 */
import { NetworkError, WechatApiError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AccessTokenStore, FetchedToken } from './access-token-store.js';

export interface WechatApiClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  logger: Logger;
  clock: Clock;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Attempts for retryable failures of idempotent calls (first try included). */
  maxAttempts?: number;
  /** First backoff delay; doubles each attempt, with jitter. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

export interface CallOptions {
  /**
   * Whether repeating the call after an unclear failure is safe. Customer-service sends have
   * no idempotency key, so a retry after -1 could deliver twice (WECHAT.md §11): they are not.
   */
  idempotent?: boolean;
  query?: Record<string, string>;
}

/** Errcodes after which waiting briefly and trying again is the documented reaction. */
const BACKOFF_CODES = new Set([-1, 45011]);
const QUOTA_COOLDOWN_START_MS = 60_000;
const QUOTA_COOLDOWN_MAX_MS = 60 * 60_000;

/**
 * JSON.parse rounds 64-bit ids such as mass-send `msg_id`; quote them first (WECHAT.md §2.1).
 */
export function parseWechatJson(text: string): Record<string, unknown> {
  const safe = text.replace(/("(?:msg_id|msgid|msg_data_id|msgID|MsgID)"\s*:\s*)(-?\d+)/g, '$1"$2"');
  const value: unknown = JSON.parse(safe);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SyntaxError('expected a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A multipart body, built afresh for every attempt since a sent FormData stream cannot be re-read. */
class MultipartBody {
  constructor(readonly make: () => FormData) {}
}

/** A JSON value, a multipart form, or nothing (GET). */
type RequestBody = MultipartBody | unknown;

/** Headers and body of a request: fetch sets the multipart boundary itself for a FormData. */
function encodeBody(body: RequestBody): { headers?: Record<string, string>; body?: string | FormData } {
  if (body === undefined) {
    return {};
  }
  if (body instanceof MultipartBody) {
    return { body: body.make() };
  }
  // WeChat expects raw UTF-8, not \u escapes, but JSON.stringify output is valid either way.
  return { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

export class WechatApiClient {
  private readonly options: Required<Omit<WechatApiClientOptions, 'fetch'>> & { fetch: typeof fetch };
  private tokenStore: AccessTokenStore | undefined;
  private readonly cooldowns = new Map<string, { until: number; nextMs: number }>();

  constructor(options: WechatApiClientOptions) {
    this.options = { timeoutMs: 10_000, maxAttempts: 3, backoffMs: 200, fetch: globalThis.fetch, ...options };
  }

  /** Connects the shared token store (it needs this client's `fetchStableToken`). */
  useTokenStore(store: AccessTokenStore): void {
    this.tokenStore = store;
  }

  /** POST a JSON body to `path` with the access_token. */
  post<T = Record<string, unknown>>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', path, body, options);
  }

  /**
   * POST a multipart form (temporary media upload, WECHAT.md §0) with the access_token;
   * `makeForm` builds it for each attempt.
   */
  postForm<T = Record<string, unknown>>(path: string, makeForm: () => FormData, options: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', path, new MultipartBody(makeForm), options);
  }

  /** GET `path` with the access_token. */
  get<T = Record<string, unknown>>(path: string, options: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', path, undefined, options);
  }

  /** Normal-mode stable_token (never force_refresh: that is for leaked tokens, WECHAT.md §9.2). */
  async fetchStableToken(): Promise<FetchedToken> {
    const body = { grant_type: 'client_credential', appid: this.options.appId, secret: this.options.appSecret, force_refresh: false };
    const json = await this.send('POST', '/cgi-bin/stable_token', undefined, body);
    const errcode = Number(json['errcode'] ?? 0);
    if (errcode !== 0) {
      throw new WechatApiError('/cgi-bin/stable_token', errcode, String(json['errmsg'] ?? ''));
    }
    const accessToken = json['access_token'];
    const expiresIn = Number(json['expires_in']);
    if (typeof accessToken !== 'string' || !Number.isFinite(expiresIn)) {
      throw new NetworkError('stable_token answered without access_token/expires_in');
    }
    return { accessToken, expiresInSeconds: expiresIn };
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body: RequestBody, options: CallOptions): Promise<T> {
    this.assertNotCoolingDown(path);
    const store = this.tokenStore;
    if (!store) {
      throw new Error('WechatApiClient has no token store');
    }
    let tokenRetried = false;
    for (let attempt = 1; ; attempt += 1) {
      const token = await store.getToken();
      let json: Record<string, unknown>;
      try {
        json = await this.send(method, path, { ...options.query, access_token: token }, body);
      } catch (error) {
        if (options.idempotent && attempt < this.options.maxAttempts) {
          await this.backoff(path, attempt, error);
          continue;
        }
        throw error;
      }
      const errcode = Number(json['errcode'] ?? 0);
      if (errcode === 0) {
        this.cooldowns.delete(path);
        return json as T;
      }
      const error = new WechatApiError(path, errcode, String(json['errmsg'] ?? ''), json);
      if (error.isTokenInvalid && !tokenRetried) {
        // One refresh and one retry per request, never a loop (WECHAT.md §11 tips).
        tokenRetried = true;
        await store.invalidate(token);
        attempt -= 1;
        continue;
      }
      if (BACKOFF_CODES.has(errcode) && options.idempotent && attempt < this.options.maxAttempts) {
        await this.backoff(path, attempt, error);
        continue;
      }
      if (errcode === 45009) {
        this.startCooldown(path);
      }
      throw error;
    }
  }

  /** One HTTP exchange; the token never appears in errors or logs. */
  private async send(
    method: string,
    path: string,
    query: Record<string, string> | undefined,
    body: RequestBody,
  ): Promise<Record<string, unknown>> {
    const url = new URL(this.options.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      url.searchParams.set(key, value);
    }
    let response: Response;
    try {
      response = await this.options.fetch(url, { method, ...encodeBody(body), signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw new NetworkError(`WeChat API ${path} unreachable: ${(error as Error).message}`, error);
    }
    const text = await response.text();
    if (response.status >= 500) {
      throw new NetworkError(`WeChat API ${path} answered HTTP ${response.status}`);
    }
    try {
      return parseWechatJson(text);
    } catch (error) {
      throw new NetworkError(`WeChat API ${path} answered non-JSON (HTTP ${response.status})`, error);
    }
  }

  private async backoff(path: string, attempt: number, error: unknown): Promise<void> {
    const delay = this.options.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random());
    this.options.logger.warn(
      { path, attempt, delayMs: Math.round(delay), err: (error as Error).message },
      'WeChat API retry after backoff',
    );
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  private startCooldown(path: string): void {
    const previous = this.cooldowns.get(path);
    const nextMs = previous ? Math.min(previous.nextMs * 2, QUOTA_COOLDOWN_MAX_MS) : QUOTA_COOLDOWN_START_MS;
    this.cooldowns.set(path, { until: this.options.clock.now().getTime() + nextMs, nextMs });
    this.options.logger.error({ path, cooldownMs: nextMs }, 'WeChat API daily quota reached (45009); pausing calls to it');
  }

  private assertNotCoolingDown(path: string): void {
    const cooldown = this.cooldowns.get(path);
    if (cooldown && cooldown.until > this.options.clock.now().getTime()) {
      throw new WechatApiError(path, 45009, 'daily quota reached; fanhook is pausing calls to this API');
    }
  }
}

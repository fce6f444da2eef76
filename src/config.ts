/**
 * Configuration: the only module that reads `process.env`. Everything is validated
 * synchronously at start; a bad value stops the process with one line naming it.
 * Names of the variables are part of the runtime contract (shared/SPEC.md).
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const openIdList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'each openid must be 1–64 letters, digits, _ or -')));

const isValidTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** https, or http for a loopback host (development and tests). */
function isPublicUrlAllowed(value: string): boolean {
  if (!URL.canParse(value)) {
    return true; // not a URL at all: the url check above says so
  }
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  WECHAT_TOKEN: z
    .string({ error: 'is required' })
    .regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3–32 letters or digits (the Token set in the WeChat admin console)'),
  WECHAT_APPID: z.string({ error: 'is required' }).regex(/^wx[0-9a-zA-Z]{8,30}$/, 'must look like wx0123456789abcdef'),
  WECHAT_APPSECRET: z.string({ error: 'is required' }).regex(/^[0-9a-zA-Z]{16,64}$/, 'must be the 32-character AppSecret'),
  WECHAT_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey')
    .optional(),
  /** The key before the last rotation; tried when WECHAT_AES_KEY fails to decrypt (WECHAT.md §4.1). */
  WECHAT_AES_KEY_PREVIOUS: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey')
    .optional(),
  /**
   * `on`: with WECHAT_AES_KEY set, still accept plaintext callbacks — only while switching the
   * MP backend's mode, since the query signature of a plaintext callback does not cover its body.
   */
  WECHAT_ACCEPT_PLAINTEXT: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  WECHAT_API_BASE: z.url({ error: 'must be an http(s) URL' }).default('https://api.weixin.qq.com'),
  /** How long one WeChat API call may take before it counts as failed (and, if safe, is retried). */
  FANHOOK_WECHAT_TIMEOUT_MS: z.coerce.number().int().min(200).max(60_000).default(10_000),
  /** Base URL of WeChat's web-authorization page (`/connect/oauth2/authorize`, WECHAT.md §16). */
  WECHAT_OAUTH_BASE: z.url({ error: 'must be an http(s) URL' }).default('https://open.weixin.qq.com'),
  /** Base URL of `showqrcode`, where a QR code's image is downloaded (WECHAT.md §0). */
  WECHAT_MP_BASE: z.url({ error: 'must be an http(s) URL' }).default('https://mp.weixin.qq.com'),
  /** Public base URL of this fanhook: enables tracked links (SPEC.md §12). */
  FANHOOK_PUBLIC_URL: z
    .url({ error: 'must be an http(s) URL' })
    .refine((value) => isPublicUrlAllowed(value), 'must be https (http only for localhost or 127.0.0.1)')
    .optional(),
  /** Days after a push in which a fan's order counts for it in /report. */
  FANHOOK_ATTRIBUTION_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  ADMIN_OPENIDS: openIdList,
  STAFF_OPENIDS: openIdList,
  TZ: z.string().optional(),
  FANHOOK_TIMEZONE: z.string().optional(),
  /** Milliseconds before a passive reply gives up and answers `success` (WeChat waits 5 s). */
  FANHOOK_REPLY_DEADLINE_MS: z.coerce.number().int().min(100).max(4800).default(4500),
  /** Largest callback body accepted, in bytes. */
  FANHOOK_BODY_LIMIT_BYTES: positiveInt(256 * 1024),
  /** Bearer token of the HTTP API (`/api/*`, SPEC.md §12); unset = the API answers 404. */
  FANHOOK_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Largest `POST /api/orders` body accepted, in bytes (about 200 bytes an order). */
  FANHOOK_API_BODY_LIMIT_BYTES: positiveInt(16 * 1024 * 1024),
  FANHOOK_DATA_DIR: z.string().default('./data'),
  FANHOOK_TEMPLATES_DIR: z.string().default('./templates'),
  /** web = HTTP only, worker = jobs only, all = both (the default, fine for one instance). */
  FANHOOK_ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  FANHOOK_INTERACTION_RETENTION_DAYS: positiveInt(180),
  /** Days after an unfollow before the fan's personal data is purged (SPEC.md §2). */
  FANHOOK_PURGE_UNFOLLOWED_DAYS: positiveInt(30),
  /** Mass-send calls fanhook allows itself per day / per minute (WeChat: about 100 and 60, WECHAT.md §6.1). */
  FANHOOK_MASS_CALLS_PER_DAY: positiveInt(100),
  FANHOOK_MASS_CALLS_PER_MINUTE: positiveInt(60),
  /** Service notices (template messages) fanhook allows itself per day (WeChat's default: 100,000, WECHAT.md §8.1). */
  FANHOOK_NOTICES_PER_DAY: positiveInt(100_000),
  /** Optional minimum hours between two mass pushes to one fan (0 = only the 4-a-month limit). */
  FANHOOK_PUSH_MIN_GAP_HOURS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 31)
    .default(0),
  /** Customer-service messages of a fan's 5 kept for the conversation when a broadcast uses the window. */
  FANHOOK_CS_RESERVE: z.coerce.number().int().min(0).max(4).default(1),
  /** Most openids per mass-send call: WeChat's 10,000, or fewer to send in smaller steps. */
  FANHOOK_MASS_BATCH_SIZE: z.coerce.number().int().min(2).max(10_000).default(10_000),
  /** Lock lifetime of a sending broadcast job: after a crash another instance resumes within it. */
  FANHOOK_BROADCAST_LOCK_MS: z.coerce.number().int().min(500).default(120_000),
  /** Pause of a broadcast after WeChat answered -1, 5xx or nothing (after the client's own retries). */
  FANHOOK_WECHAT_RETRY_PAUSE_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** on = staff also work from a personal WeChat logged in with wechat4u (QR code in the terminal). */
  FANHOOK_OPS_WECHAT4U: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  /** Name of the personal-WeChat group that gets staff notifications; its members may use staff commands. */
  FANHOOK_OPS_GROUP: z.string().trim().min(1).optional(),
  /** Comma-separated personal-WeChat names (remark or nickname) who may use staff commands in a private chat. */
  FANHOOK_OPS_STAFF: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
});

/** The typed, frozen configuration every component gets its options from. */
export interface Config {
  readonly port: number;
  readonly wechat: {
    readonly token: string;
    readonly appId: string;
    readonly appSecret: string;
    readonly aesKey: string | undefined;
    readonly previousAesKey: string | undefined;
    /** With an AES key: plaintext callbacks are still accepted (WECHAT_ACCEPT_PLAINTEXT=on). */
    readonly acceptPlaintext: boolean;
    readonly apiBase: string;
    /** Timeout of one WeChat API call. */
    readonly apiTimeoutMs: number;
    /** Base URL of the web-authorization page. */
    readonly oauthBase: string;
    /** Base URL of `showqrcode` (QR code images). */
    readonly mpBase: string;
  };
  /** Tracked links (SPEC.md §12): undefined when FANHOOK_PUBLIC_URL is unset (links stay as written). */
  readonly links: { readonly publicUrl: string; readonly secret: string } | undefined;
  /** Days after a push in which an order is attributed to it. */
  readonly attributionDays: number;
  /** Undefined: start or reuse the local development database under `dataDir`. */
  readonly mongodbUri: string | undefined;
  readonly adminOpenIds: readonly string[];
  readonly staffOpenIds: readonly string[];
  readonly timezone: string;
  readonly replyDeadlineMs: number;
  readonly bodyLimitBytes: number;
  /** The HTTP API (order import); undefined when FANHOOK_API_TOKEN is unset. */
  readonly api: { readonly token: string; readonly bodyLimitBytes: number } | undefined;
  readonly dataDir: string;
  readonly templatesDir: string;
  readonly role: 'web' | 'worker' | 'all';
  readonly interactionRetentionDays: number;
  /** Days after an unfollow before personal data is purged. */
  readonly purgeUnfollowedDays: number;
  /** Broadcast delivery limits (SPEC.md §7). */
  readonly broadcast: {
    readonly callsPerDay: number;
    readonly callsPerMinute: number;
    readonly minGapHours: number;
    readonly csReserve: number;
    readonly batchSize: number;
    readonly lockLifetimeMs: number;
    readonly retryPauseMs: number;
  };
  /** Service notices (template messages) allowed per day. */
  readonly noticesPerDay: number;
  /** The optional wechat4u ops channel for staff (src/ops-channel/). */
  readonly ops: { readonly wechat4u: boolean; readonly group: string | undefined; readonly staffNames: readonly string[] };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly isTest: boolean;
  readonly isProduction: boolean;
}

/**
 * Parses an environment (by default `process.env`) into a Config.
 * @throws ConfigError whose one-line message names the first bad variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty value (`WECHAT_AES_KEY=` in an env file) means "not set", as most tools read it.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const message = issue.code === 'invalid_type' && present[name] === undefined ? 'is required' : issue.message;
    throw new ConfigError(`Invalid configuration: ${name} ${message}`);
  }
  const e = parsed.data;
  const timezone = e.FANHOOK_TIMEZONE ?? e.TZ ?? 'Asia/Shanghai';
  if (!isValidTimeZone(timezone)) {
    const name = e.FANHOOK_TIMEZONE ? 'FANHOOK_TIMEZONE' : 'TZ';
    throw new ConfigError(`Invalid configuration: ${name} is not a known IANA time zone: ${timezone}`);
  }
  if (e.NODE_ENV === 'production' && !e.MONGODB_URI) {
    // The local engine is a development tool; production runs on the merchant's MongoDB.
    throw new ConfigError('Invalid configuration: MONGODB_URI is required when NODE_ENV=production');
  }
  return Object.freeze({
    port: e.PORT,
    wechat: Object.freeze({
      token: e.WECHAT_TOKEN,
      appId: e.WECHAT_APPID,
      appSecret: e.WECHAT_APPSECRET,
      aesKey: e.WECHAT_AES_KEY,
      previousAesKey: e.WECHAT_AES_KEY_PREVIOUS,
      acceptPlaintext: e.WECHAT_ACCEPT_PLAINTEXT === 'on',
      apiBase: e.WECHAT_API_BASE.replace(/\/+$/, ''),
      apiTimeoutMs: e.FANHOOK_WECHAT_TIMEOUT_MS,
      oauthBase: e.WECHAT_OAUTH_BASE.replace(/\/+$/, ''),
      mpBase: e.WECHAT_MP_BASE.replace(/\/+$/, ''),
    }),
    links: e.FANHOOK_PUBLIC_URL
      ? Object.freeze({ publicUrl: e.FANHOOK_PUBLIC_URL.replace(/\/+$/, ''), secret: linkSecretOf(e.WECHAT_TOKEN, e.WECHAT_APPSECRET) })
      : undefined,
    attributionDays: e.FANHOOK_ATTRIBUTION_DAYS,
    mongodbUri: e.MONGODB_URI,
    adminOpenIds: Object.freeze([...e.ADMIN_OPENIDS]),
    staffOpenIds: Object.freeze([...e.STAFF_OPENIDS]),
    timezone,
    replyDeadlineMs: e.FANHOOK_REPLY_DEADLINE_MS,
    bodyLimitBytes: e.FANHOOK_BODY_LIMIT_BYTES,
    api: e.FANHOOK_API_TOKEN ? Object.freeze({ token: e.FANHOOK_API_TOKEN, bodyLimitBytes: e.FANHOOK_API_BODY_LIMIT_BYTES }) : undefined,
    dataDir: path.resolve(e.FANHOOK_DATA_DIR),
    templatesDir: path.resolve(e.FANHOOK_TEMPLATES_DIR),
    role: e.FANHOOK_ROLE,
    interactionRetentionDays: e.FANHOOK_INTERACTION_RETENTION_DAYS,
    purgeUnfollowedDays: e.FANHOOK_PURGE_UNFOLLOWED_DAYS,
    noticesPerDay: e.FANHOOK_NOTICES_PER_DAY,
    broadcast: Object.freeze({
      callsPerDay: e.FANHOOK_MASS_CALLS_PER_DAY,
      callsPerMinute: e.FANHOOK_MASS_CALLS_PER_MINUTE,
      minGapHours: e.FANHOOK_PUSH_MIN_GAP_HOURS,
      csReserve: e.FANHOOK_CS_RESERVE,
      batchSize: e.FANHOOK_MASS_BATCH_SIZE,
      lockLifetimeMs: e.FANHOOK_BROADCAST_LOCK_MS,
      retryPauseMs: e.FANHOOK_WECHAT_RETRY_PAUSE_MS,
    }),
    ops: Object.freeze({
      wechat4u: e.FANHOOK_OPS_WECHAT4U === 'on',
      group: e.FANHOOK_OPS_GROUP,
      staffNames: Object.freeze(
        (e.FANHOOK_OPS_STAFF ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n.length > 0),
      ),
    }),
    logLevel: e.LOG_LEVEL,
    isTest: e.NODE_ENV === 'test',
    isProduction: e.NODE_ENV === 'production',
  });
}

/**
 * The key that signs per-fan link codes and OAuth states: derived from two secrets the
 * server already has, so nothing new needs configuring, and a leaked link never reveals them.
 */
function linkSecretOf(token: string, appSecret: string): string {
  return createHash('sha256').update(`fanhook-links\u0000${token}\u0000${appSecret}`).digest('base64url');
}

/**
 * The error classes of fanhook. Foreign errors (mongoose, fetch, WeChat errcodes) are
 * translated into these once, at the edge, so the rest of the code can narrow with
 * `instanceof` instead of matching messages.
 */

/** Base class: a stable snake_case `code`, an HTTP `status`, and whether the message may be shown. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  /** When true the message is safe to show to the caller (Koa's `expose`). */
  readonly expose: boolean;

  constructor(message: string, options: { code?: string; status?: number; expose?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'internal_error';
    this.status = options.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Input that does not have the expected shape: malformed XML, a bad field. Always 400. */
export class ValidationError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'validation_error', status: 400, expose: true, cause });
  }
}

/** A request whose signature does not verify. Always 401; nothing else is done for it. */
export class SignatureError extends AppError {
  constructor(message = 'invalid signature') {
    super(message, { code: 'invalid_signature', status: 401, expose: true });
  }
}

/** The caller may not do this (e.g. an admin command from a non-admin). */
export class ForbiddenError extends AppError {
  constructor(message = 'forbidden') {
    super(message, { code: 'forbidden', status: 403, expose: true });
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'not found') {
    super(message, { code: 'not_found', status: 404, expose: true });
  }
}

/** A bad or missing configuration value; the message names the variable. */
export class ConfigError extends AppError {
  constructor(message: string) {
    super(message, { code: 'config_error', status: 500, expose: false });
  }
}

/** A WeChat API answer with a non-zero errcode (the errcode table is in shared/WECHAT.md §11). */
export class WechatApiError extends AppError {
  readonly errcode: number;
  readonly errmsg: string;
  readonly path: string;
  /** The whole answer, for errors that still carry data (45065 returns the existing msg_id). */
  readonly response: Record<string, unknown> | undefined;

  constructor(path: string, errcode: number, errmsg: string, response?: Record<string, unknown>) {
    super(`WeChat API ${path} failed: ${errcode} ${errmsg}`, { code: 'wechat_api_error', status: 502, expose: false });
    this.path = path;
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.response = response;
  }

  /** 45015 / 43004: the fan is outside the 48-hour window or no longer follows. */
  get isOutOfWindow(): boolean {
    return this.errcode === 45015 || this.errcode === 43004;
  }

  /** 45047: the customer-service allowance of the fan's last interaction is used up. */
  get isAllowanceExhausted(): boolean {
    return this.errcode === 45047;
  }

  /** Daily/monthly quotas: waiting a moment does not help. */
  get isQuota(): boolean {
    return this.errcode === 45009 || this.errcode === 45028;
  }

  /** An access-token problem that one refresh may fix. */
  get isTokenInvalid(): boolean {
    return this.errcode === 40001 || this.errcode === 40014 || this.errcode === 42001;
  }
}

/** The WeChat API could not be reached, or answered something that is not JSON. */
export class NetworkError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'network_error', status: 502, expose: false, cause });
  }
}

/** A job failure that retrying cannot fix; the job backoff strategy stops on it. */
export class PermanentJobError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'permanent_job_error', status: 500, expose: false, cause });
  }
}

/** The database could not be reached or lost the connection: the same write may succeed later. */
export class DatabaseUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'database_unavailable', status: 503, expose: false, cause });
  }
}

/**
 * A message's processing attempt did not settle within its claim's lease: something it waits
 * on (a database write, a call) was never answered. The attempt is given up like one that
 * threw; what it still does later is not recorded.
 */
export class StalledAttemptError extends AppError {
  constructor(message: string) {
    super(message, { code: 'attempt_stalled', status: 500, expose: false });
  }
}

/**
 * The database refused this write for good (a validation rule, a duplicate key on another
 * unique index, a document too large, a key name it cannot store): retrying repeats it.
 */
export class RefusedWriteError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'write_refused', status: 500, expose: false, cause });
  }
}

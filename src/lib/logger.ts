/**
 * One pino logger for the process; children carry per-update fields (openId, msgId).
 * Secrets are redacted by path so a careless `log.info({ config })` cannot leak them.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Field paths whose values are never written to the log. */
export const REDACTED_PATHS = [
  'appSecret',
  'secret',
  'token',
  'aesKey',
  'previousAesKey',
  'access_token',
  'accessToken',
  '*.appSecret',
  '*.secret',
  '*.token',
  '*.aesKey',
  '*.previousAesKey',
  '*.access_token',
  '*.accessToken',
  'wechat.appSecret',
  'config.wechat.appSecret',
  'config.wechat.token',
  'config.wechat.aesKey',
  'config.api.token',
];

export interface LoggerOptions {
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to assert on. */
  destination?: NodeJS.WritableStream;
}

/** Creates the process logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'fanhook' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that writes nothing, for tests and tools that do not care. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * First middleware: turns any thrown error into a status and a safe message. Known client
 * errors (bad signature, malformed XML) show their message; anything else is logged with
 * its stack and answered with a generic text.
 */
import type { Middleware } from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../lib/logger.js';

export function errorHandler(logger: Logger): Middleware {
  return async function errorHandlerMiddleware(ctx, next) {
    try {
      await next();
    } catch (error) {
      const known = error instanceof AppError;
      const status = known ? error.status : 500;
      ctx.status = status;
      ctx.type = 'text/plain';
      ctx.body = known && error.expose ? error.message : 'internal error';
      if (status >= 500) {
        logger.error({ err: error, path: ctx.path }, 'request failed');
      } else {
        logger.warn({ status, path: ctx.path, reason: (error as Error).message }, 'request refused');
      }
    }
  };
}

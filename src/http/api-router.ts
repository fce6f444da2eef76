/**
 * The HTTP API for the shop's systems (SPEC.md §12): `POST /api/orders`. Every route needs
 * `Authorization: Bearer $FANHOOK_API_TOKEN`; without a configured token the API does not
 * exist (404), so a fanhook nobody set up for it exposes nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { AppError } from '../errors.js';
import { readBody } from './read-body.js';

/** The answer to an order upload: counts, and each refused row with its index and reason. */
export interface OrderUploadAnswer {
  accepted: number;
  updated: number;
  unchanged: number;
  refused: number;
  refusedRows: { index: number; line?: number; reason: string }[];
}

export interface ApiRouterOptions {
  token: string;
  bodyLimitBytes: number;
  /** Stores the orders in the body (a JSON array or NDJSON); throws a 400 AppError for a body that has no rows. */
  importOrders: (body: string) => Promise<OrderUploadAnswer>;
}

/** Constant-time comparison through digests, so neither length nor prefix leaks. */
function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function createApiRouter(options: ApiRouterOptions): Router {
  const router = new Router({ prefix: '/api' });

  router.use(async function requireApiToken(ctx, next) {
    const match = /^Bearer (.+)$/i.exec(ctx.get('authorization'));
    if (!match || !sameToken(match[1]!.trim(), options.token)) {
      ctx.set('www-authenticate', 'Bearer realm="fanhook"');
      throw new AppError('missing or wrong bearer token', { code: 'unauthorized', status: 401 });
    }
    await next();
  });

  router.post('/orders', async function uploadOrders(ctx) {
    // Large exports stream in slowly over a shop's uplink: a minute, not the callback's 4 s.
    const body = await readBody(ctx.req, { limitBytes: options.bodyLimitBytes, timeoutMs: 60_000 });
    ctx.body = await options.importOrders(body);
  });

  return router;
}

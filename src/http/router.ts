/**
 * Routes: the WeChat callback (GET verification, POST messages) and the health probes.
 * Handlers are thin: signature check, body read, then the protocol object does the work.
 */
import Router from '@koa/router';
import type { WechatWebhook, CallbackQuery } from '../wechat/webhook.js';
import { readBody } from './read-body.js';

export interface RouterOptions {
  webhook: WechatWebhook;
  bodyLimitBytes: number;
  /** True when MongoDB and the scheduler are ready (GET /readyz). */
  isReady: () => boolean;
}

const queryOf = (query: Record<string, string | string[] | undefined>): CallbackQuery => {
  const pick = (key: string): string | undefined => {
    const value = query[key];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    signature: pick('signature'),
    timestamp: pick('timestamp'),
    nonce: pick('nonce'),
    echostr: pick('echostr'),
    encrypt_type: pick('encrypt_type'),
    msg_signature: pick('msg_signature'),
    openid: pick('openid'),
  };
};

export function createRouter(options: RouterOptions): Router {
  const router = new Router();

  router.get('/wechat', function verifyUrl(ctx) {
    ctx.type = 'text/plain';
    ctx.body = options.webhook.verifyUrl(queryOf(ctx.query));
  });

  router.post('/wechat', async function receiveCallback(ctx) {
    const query = queryOf(ctx.query);
    options.webhook.assertSigned(query);
    const body = await readBody(ctx.req, { limitBytes: options.bodyLimitBytes, timeoutMs: 4000 });
    const answer = await options.webhook.handle(query, body);
    ctx.type = answer.contentType;
    ctx.body = answer.body;
  });

  router.get('/healthz', function healthz(ctx) {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', function readyz(ctx) {
    const ready = options.isReady();
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready' };
  });

  return router;
}

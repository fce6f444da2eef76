/**
 * Routes: the WeChat callback (GET verification, POST messages) and the health probes.
 * Handlers are thin: signature check, body read, then the protocol object does the work.
 */
import Router, { type RouterContext } from '@koa/router';
import type { LinkFollower } from '../links/follow-link.js';
import type { CallbackQuery } from '../wechat/callback-auth.js';
import type { WechatWebhook } from '../wechat/webhook.js';
import { readBody } from './read-body.js';

export interface RouterOptions {
  webhook: WechatWebhook;
  bodyLimitBytes: number;
  /** True when MongoDB and the scheduler are ready (GET /readyz). */
  isReady: () => boolean;
  /** Tracked links (`GET /l/<code>`); undefined when FANHOOK_PUBLIC_URL is unset. */
  links?: LinkFollower;
}

const NOT_FOUND_PAGE =
  '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
  '<title>链接不存在</title></head><body><p>链接不存在或已失效。</p></body></html>';

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

  const followLink = async (ctx: RouterContext, fanToken: string | undefined): Promise<void> => {
    const pick = (key: string): string | undefined => {
      const value = ctx.query[key];
      return Array.isArray(value) ? value[0] : value;
    };
    const answer = options.links
      ? await options.links.follow({
          code: ctx.params['code'] ?? '',
          ...(fanToken ? { fanToken } : {}),
          userAgent: ctx.get('user-agent'),
          ...(pick('code') !== undefined ? { oauthCode: pick('code') } : {}),
          ...(pick('state') !== undefined ? { state: pick('state') } : {}),
        })
      : ({ kind: 'not_found' } as const);
    ctx.set('cache-control', 'no-store');
    if (answer.kind === 'not_found') {
      ctx.status = 404;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = NOT_FOUND_PAGE;
      return;
    }
    ctx.redirect(answer.location);
  };

  router.get('/l/:code', function trackedLink(ctx) {
    return followLink(ctx, undefined);
  });

  router.get('/l/:code/:fan', function trackedFanLink(ctx) {
    return followLink(ctx, ctx.params['fan']);
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

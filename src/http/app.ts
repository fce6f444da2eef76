/**
 * The Koa application: the middleware order in one readable list.
 */
import Koa from 'koa';
import type { Logger } from '../lib/logger.js';
import { createApiRouter, type ApiRouterOptions } from './api-router.js';
import { errorHandler } from './error-handler.js';
import { createRouter, type RouterOptions } from './router.js';

export interface HttpAppOptions extends RouterOptions {
  logger: Logger;
  /** The HTTP API (`/api/*`); undefined when FANHOOK_API_TOKEN is unset, and then every /api route is a 404. */
  api?: ApiRouterOptions;
}

export function createHttpApp(options: HttpAppOptions): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors are handled (and logged) by errorHandler; Koa's default would print them again.
  app.silent = true;
  const router = createRouter(options);
  app.use(errorHandler(options.logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  if (options.api) {
    const api = createApiRouter(options.api);
    app.use(api.routes());
    app.use(api.allowedMethods());
  }
  return app;
}

/**
 * The Koa application: the middleware order in one readable list.
 */
import Koa from 'koa';
import type { Logger } from '../lib/logger.js';
import { errorHandler } from './error-handler.js';
import { createRouter, type RouterOptions } from './router.js';

export interface HttpAppOptions extends RouterOptions {
  logger: Logger;
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
  return app;
}

/**
 * Middleware: applies the update to the sender's profile and adds `ctx.fan` (a flavor).
 * System notifications (mass-send results…) come from WeChat, not from a fan, and skip it.
 */
import type { Connection } from 'mongoose';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { SYSTEM_EVENT_KINDS } from '../wechat/inbound.js';
import type { Fan } from './fan-model.js';
import type { FanUpdateOptions } from './fan-update.js';
import { touchFan } from './touch-fan.js';

/** Context addition: the sender's profile after this update was applied. */
export interface FanFlavor {
  fan?: Fan;
}

/** Upserts the sender's profile; `profile()` supplies the current interest keywords (reloadable). */
export function loadFan(connection: Connection, profile: () => FanUpdateOptions = () => ({})): Middleware<WechatContext & FanFlavor> {
  return async function loadFanMiddleware(ctx, next) {
    if (!SYSTEM_EVENT_KINDS.has(ctx.message.kind)) {
      ctx.fan = await touchFan({ connection, message: ctx.message, now: ctx.clock.now(), options: profile() });
    }
    await next();
  };
}

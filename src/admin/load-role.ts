/**
 * Middleware: resolves the sender's role once per update (`ctx.senderRole`), for the command
 * gate and for staff features.
 */
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import type { RoleFlavor } from './command.js';
import type { RoleRegistry } from './roles.js';

export function loadRole(roles: RoleRegistry): Middleware<WechatContext & RoleFlavor> {
  return async function loadRoleMiddleware(ctx, next) {
    ctx.senderRole = await roles.roleOf(ctx.openId);
    await next();
  };
}

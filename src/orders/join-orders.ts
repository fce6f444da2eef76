/**
 * Middleware: joins the orders a shop sent before the fan was known. On a follow and on a
 * fan's very first interaction it asks whether any order names this fan (one indexed look-up
 * by openid, or by unionid when the fan carries one); only then are the purchase facts
 * recomputed, so an ordinary follow costs one query.
 */
import type { Connection } from 'mongoose';
import type { Fan } from '../fans/fan-model.js';
import type { FanFlavor } from '../fans/load-fan.js';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { getOrderModel } from './order-model.js';
import { recomputePurchases } from './recompute-purchases.js';
import type { RfmTier } from './rfm-tiers.js';

export interface JoinOrdersDeps {
  connection: Connection;
  tiers: () => readonly RfmTier[];
}

export function joinOrders(deps: JoinOrdersDeps): Middleware<WechatContext & FanFlavor> {
  return async function joinOrdersMiddleware(ctx, next) {
    const fan = ctx.fan;
    // firstSeenAt equals lastSeenAt only on the interaction that created the fan.
    if (fan && (ctx.message.kind === 'subscribe' || fan.firstSeenAt.getTime() === fan.lastSeenAt.getTime())) {
      try {
        await joinFanOrders(deps, fan, ctx.clock.now());
      } catch (error) {
        // Purchase facts are bookkeeping: a failure must not cost the fan an answer.
        ctx.logger.warn({ err: error, openId: fan.openId }, 'joining the fan to its orders failed');
      }
    }
    await next();
  };
}

/** Recomputes `fan`'s purchase facts when some order names it; true when it did. */
export async function joinFanOrders(deps: JoinOrdersDeps, fan: Pick<Fan, 'openId' | 'unionId'>, now: Date): Promise<boolean> {
  const orders = getOrderModel(deps.connection);
  const named =
    (await orders.exists({ openId: fan.openId })) ??
    (fan.unionId ? await orders.exists({ unionId: fan.unionId, openId: { $exists: false } }) : null);
  if (!named) {
    return false;
  }
  await recomputePurchases({ connection: deps.connection, tiers: deps.tiers(), now, openIds: [fan.openId] });
  return true;
}

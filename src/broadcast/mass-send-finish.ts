/**
 * Middleware: matches WeChat's MASSSENDJOBFINISH (WECHAT.md §2.4) to the batch with that
 * msg_id, and finishes the broadcast when it was the last one outstanding. The event comes
 * from WeChat's mass-send helper, not a fan, so it stops here with no reply.
 */
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import { maybeFinishBroadcast, recordMassFinish } from './finish-broadcast.js';

export function massSendFinish(deps: BroadcastDeps): Middleware<WechatContext> {
  return async function massSendFinishMiddleware(ctx, next) {
    const message = ctx.message;
    if (message.kind !== 'mass_send_finish') {
      return next();
    }
    const finish = {
      status: message.status,
      totalCount: message.totalCount,
      filterCount: message.filterCount,
      sentCount: message.sentCount,
      errorCount: message.errorCount,
      at: ctx.clock.now(),
    };
    const broadcast = await recordMassFinish(deps, message.massMsgId, finish);
    if (broadcast === null) {
      // Sends made in the MP web console also report here; they are not fanhook's.
      ctx.logger.info({ msgId: message.massMsgId }, 'MASSSENDJOBFINISH for a send fanhook did not make');
      return;
    }
    await maybeFinishBroadcast(deps, broadcast);
  };
}

/**
 * Middleware: records TEMPLATESENDJOBFINISH (WECHAT.md §2.3) on the notice it reports —
 * delivered, `user block` (the fan turned notices off) or `system failed`. The event is
 * WeChat's report, not the fan's words, so it stops here with no reply.
 */
import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { getNoticeSendModel, noticeResultOf } from './notice-send-model.js';

export function templateSendFinish(connection: Connection): Middleware<WechatContext> {
  return async function templateSendFinishMiddleware(ctx, next) {
    const message = ctx.message;
    if (message.kind !== 'template_send_finish') {
      return next();
    }
    const update = { $set: { result: noticeResultOf(message.status), status: message.status, finishedAt: ctx.clock.now() } };
    const model = getNoticeSendModel(connection);
    try {
      // Upsert: the result may come before the sender wrote down its msgid (notice-sender.ts).
      await model.updateOne(
        { msgId: message.templateMsgId },
        { ...update, $setOnInsert: { openId: message.fromUserName } },
        { upsert: true },
      );
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        throw error;
      }
      await model.updateOne({ msgId: message.templateMsgId }, update);
    }
  };
}

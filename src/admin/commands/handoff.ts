/**
 * /handoff <openid> (转人工): an admin hands a fan to staff, as if the fan had asked.
 */
import { getFanModel } from '../../fans/fan-model.js';
import { sendToFan } from '../../handoff/deliver.js';
import type { HandoffDeps } from '../../handoff/handoff-deps.js';
import { startHandoff } from '../../handoff/start-handoff.js';
import { replyUsage, type CommandDefinition } from '../command.js';

/** The /handoff command (admins only). */
export function handoffCommand(handoff: HandoffDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'handoff',
    aliases: ['转人工'],
    roles: ['admin'],
    usage: '/handoff <openid> — 把粉丝转给人工客服',
    async run(command) {
      const openId = command.argv[0];
      if (command.argv.length !== 1 || !openId || !/^[A-Za-z0-9_-]{1,64}$/.test(openId)) {
        return replyUsage(command, definition, '请写上粉丝的 openid。');
      }
      if (!(await getFanModel(handoff.connection).exists({ openId }))) {
        return replyUsage(command, definition, `找不到粉丝 ${openId}。`);
      }
      const result = await startHandoff(handoff, { openId, reason: 'admin', reasonDetail: command.sender.openId });
      if (!result.created) {
        await command.say(
          `粉丝 ${openId} 已在人工会话 #${result.handoff.shortId} 中（${result.handoff.status === 'held' ? '接待中' : '排队中'}）。`,
        );
        return;
      }
      // transfer_customer_service only works as a passive answer: the fan's next message gets it.
      const notices = result.fanReplies.filter((r) => r.type !== 'transfer_customer_service');
      const delivery = await sendToFan(handoff, openId, notices);
      const staffNote =
        result.handoff.mode === 'native'
          ? '没有可联系的店员，已改为微信客服接待（粉丝下一条消息起转入）'
          : `已通知 ${result.reached} 位店员`;
      await command.say(
        `已为 ${openId} 创建人工会话 #${result.handoff.shortId}，${staffNote}。${delivery.ok ? '' : `\n⚠️ 未能通知粉丝：${delivery.reason}`}`,
      );
    },
  };
  return definition;
}

/**
 * /cancel <id> (取消): drops a draft or a schedule (one-off or recurring). A broadcast already
 * being sent cannot be called back: WeChat has no way to unsend a mass message to fans.
 */
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { getBroadcastModel } from '../../broadcast/broadcast-model.js';
import type { BroadcastScheduler } from '../../broadcast/broadcast-scheduler.js';
import { findBroadcast, parseBroadcastRef } from '../../broadcast/find-broadcast.js';
import { replyUsage, type CommandDefinition } from '../command.js';

export function cancelCommand(deps: BroadcastDeps, scheduler: BroadcastScheduler): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'cancel',
    aliases: ['取消'],
    roles: ['admin'],
    usage: '/cancel <编号> — 取消草稿或定时群发',
    async run(command) {
      const number = parseBroadcastRef(command.argv[0]);
      if (number === null || command.argv.length !== 1) {
        return replyUsage(command, definition);
      }
      const cancelled = await getBroadcastModel(deps.connection).findOneAndUpdate(
        { number, state: { $in: ['draft', 'scheduled'] } },
        { $set: { state: 'cancelled' } },
        { returnDocument: 'before' },
      );
      if (!cancelled) {
        const existing = await findBroadcast(deps.connection, number);
        return replyUsage(
          command,
          definition,
          existing
            ? `#${number} 已${existing.state === 'cancelled' ? '取消' : '开始发送或已完成'}，无法取消`
            : `没有编号为 #${number} 的群发`,
        );
      }
      if (cancelled.state === 'scheduled') {
        await scheduler.unschedule(number);
      }
      await command.say(`#${number} 已取消${cancelled.state === 'scheduled' ? '，定时任务已删除' : ''}。`);
      return { outcome: 'ok', detail: `cancelled #${number}` };
    },
  };
  return definition;
}

/**
 * /confirm <id> (确认): sends a draft now. The draft moves to `queued` with a compare-and-set,
 * so confirming twice (or on two instances) queues it once.
 */
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { getBroadcastModel } from '../../broadcast/broadcast-model.js';
import type { BroadcastScheduler } from '../../broadcast/broadcast-scheduler.js';
import { findBroadcast, parseBroadcastRef } from '../../broadcast/find-broadcast.js';
import { replyUsage, type CommandDefinition } from '../command.js';

export function confirmCommand(deps: BroadcastDeps, scheduler: BroadcastScheduler): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'confirm',
    aliases: ['确认'],
    roles: ['admin'],
    usage: '/confirm <草稿编号> — 立即发送草稿',
    async run(command) {
      const number = parseBroadcastRef(command.argv[0]);
      if (number === null || command.argv.length !== 1) {
        return replyUsage(command, definition);
      }
      const queued = await getBroadcastModel(deps.connection).findOneAndUpdate(
        { number, state: 'draft' },
        { $set: { state: 'queued', confirmedBy: command.sender.openId, confirmedAt: deps.clock.now() } },
        { returnDocument: 'after' },
      );
      if (!queued) {
        const existing = await findBroadcast(deps.connection, number);
        return replyUsage(
          command,
          definition,
          existing ? `#${number} 不是待确认的草稿（当前：${existing.state}）` : `没有编号为 #${number} 的草稿`,
        );
      }
      await scheduler.sendNow(number);
      await command.say(`#${number} 开始发送。全部完成后会把报告发给您，也可随时发送 /report ${number} 查看。`);
      return { outcome: 'ok', detail: `confirmed #${number}` };
    },
  };
  return definition;
}

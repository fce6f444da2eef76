/**
 * /schedule <id> <when> (定时): sends a draft later — once (`2026-12-01 10:00`, `tomorrow
 * 10:00`) or every week/day (`every tuesday 10:00`, `每周二 10:00`), in the configured time
 * zone. The job lives in MongoDB: it survives restarts and runs on one instance only.
 */
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { getBroadcastModel } from '../../broadcast/broadcast-model.js';
import type { BroadcastScheduler } from '../../broadcast/broadcast-scheduler.js';
import { findBroadcast, parseBroadcastRef } from '../../broadcast/find-broadcast.js';
import { parseWhen } from '../../broadcast/parse-when.js';
import { formatZoned } from '../../broadcast/zoned-time.js';
import { replyUsage, type CommandDefinition } from '../command.js';

export function scheduleCommand(deps: BroadcastDeps, scheduler: BroadcastScheduler): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'schedule',
    aliases: ['定时'],
    roles: ['admin'],
    usage: '/schedule <草稿编号> <时间> — 例如 2026-12-01 10:00、tomorrow 10:00、every tuesday 10:00、每周二 10:00',
    async run(command) {
      const number = parseBroadcastRef(command.argv[0]);
      const whenText = command.argv.slice(1).join(' ');
      if (number === null || !whenText) {
        return replyUsage(command, definition);
      }
      const when = parseWhen(whenText, deps.clock.now(), deps.timezone);
      if ('problem' in when) {
        return replyUsage(command, definition, when.problem);
      }
      const schedule =
        when.kind === 'once' ? { kind: 'once', text: whenText, at: when.at } : { kind: 'recurring', text: whenText, cron: when.cron };
      const scheduled = await getBroadcastModel(deps.connection).findOneAndUpdate(
        { number, state: 'draft' },
        { $set: { state: 'scheduled', schedule, confirmedBy: command.sender.openId, confirmedAt: deps.clock.now() } },
        { returnDocument: 'after' },
      );
      if (!scheduled) {
        const existing = await findBroadcast(deps.connection, number);
        return replyUsage(
          command,
          definition,
          existing ? `#${number} 不是待确认的草稿（当前：${existing.state}）` : `没有编号为 #${number} 的草稿`,
        );
      }
      const first = when.kind === 'once' ? (await scheduler.sendAt(number, when.at), when.at) : await scheduler.repeat(number, when.cron);
      const next = first ? formatZoned(first, deps.timezone) : '（待计算）';
      await command.say(
        when.kind === 'once'
          ? `#${number} 将在 ${next}（${deps.timezone}）发送。发送 /jobs 查看，/cancel ${number} 取消。`
          : `#${number} 已设为重复群发「${whenText}」，下次 ${next}（${deps.timezone}）。每次发送前按当时的人群和额度重新计算。发送 /cancel ${number} 停止。`,
      );
      return { outcome: 'ok', detail: `scheduled #${number} ${whenText}` };
    },
  };
  return definition;
}

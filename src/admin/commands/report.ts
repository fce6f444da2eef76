/**
 * /report <id> (报告): the delivery result of a broadcast, at any time (also while sending).
 * For a recurring schedule it lists the runs it made.
 */
import { getBroadcastBatchModel } from '../../broadcast/broadcast-batch-model.js';
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { getBroadcastModel } from '../../broadcast/broadcast-model.js';
import { formatReport } from '../../broadcast/broadcast-report.js';
import { findBroadcast, parseBroadcastRef } from '../../broadcast/find-broadcast.js';
import { formatZoned } from '../../broadcast/zoned-time.js';
import { replyUsage, type CommandDefinition } from '../command.js';

export function reportCommand(deps: BroadcastDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'report',
    aliases: ['报告'],
    roles: ['admin'],
    usage: '/report <编号> — 查看群发结果',
    async run(command) {
      const number = parseBroadcastRef(command.argv[0]);
      if (number === null || command.argv.length !== 1) {
        return replyUsage(command, definition);
      }
      const broadcast = await findBroadcast(deps.connection, number);
      if (!broadcast) {
        return replyUsage(command, definition, `没有编号为 #${number} 的群发`);
      }
      const batches = await getBroadcastBatchModel(deps.connection).find({ broadcast: number }).lean();
      const runs = await getBroadcastModel(deps.connection)
        .find({ parent: number }, { number: 1, state: 1, createdAt: 1 })
        .sort({ number: -1 })
        .limit(10)
        .lean();
      const runLines = runs.map((run) => `· #${run.number}（${formatZoned(run.createdAt, deps.timezone)}，${run.state}）`);
      await command.say([formatReport(broadcast, batches), ...(runLines.length > 0 ? ['定时生成的群发：', ...runLines] : [])].join('\n'));
      return undefined;
    },
  };
  return definition;
}

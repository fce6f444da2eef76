/**
 * /report <id> [chart] (报告): the delivery result of a broadcast, at any time (also while
 * sending), and what it brought back — clicks, orders in the attribution window, the holdout
 * and the lift (SPEC.md §12). `chart` answers with the same as a picture (customer-service
 * image). For a recurring schedule it lists the runs it made.
 */
import { getBroadcastBatchModel } from '../../broadcast/broadcast-batch-model.js';
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { getBroadcastModel } from '../../broadcast/broadcast-model.js';
import { formatReport, resultsOf } from '../../broadcast/broadcast-report.js';
import { formatEffect } from '../../broadcast/effect-report.js';
import { findBroadcast, parseBroadcastRef } from '../../broadcast/find-broadcast.js';
import { measureEffect } from '../../broadcast/measure-effect.js';
import { formatZoned } from '../../broadcast/zoned-time.js';
import { effectChart } from '../../charts/effect-chart.js';
import { noticeResultLines } from '../../notices/notice-report.js';
import { noticeResultsOf } from '../../notices/notice-send-model.js';
import { replyUsage, type CommandDefinition } from '../command.js';
import { isChartWord, sendChart } from './send-chart.js';

export function reportCommand(deps: BroadcastDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'report',
    aliases: ['报告'],
    roles: ['admin'],
    usage: '/report <编号> [chart] — 查看群发结果与效果（点击、下单、对照组、提升）；加 chart 发送图表',
    async run(command) {
      const number = parseBroadcastRef(command.argv[0]);
      const chart = command.argv.length === 2 && isChartWord(command.argv[1]);
      if (number === null || (command.argv.length !== 1 && !chart)) {
        return replyUsage(command, definition);
      }
      const broadcast = await findBroadcast(deps.connection, number);
      if (!broadcast) {
        return replyUsage(command, definition, `没有编号为 #${number} 的群发`);
      }
      const batches = await getBroadcastBatchModel(deps.connection).find({ broadcast: number }).lean();
      const effect = await measureEffect({
        connection: deps.connection,
        broadcast,
        batches,
        attributionDays: deps.attributionDays,
        now: deps.clock.now(),
      });
      if (chart) {
        const image = effectChart({
          number,
          plan: broadcast.plan ?? broadcast.preview,
          results: resultsOf(batches),
          effect,
          timezone: deps.timezone,
        });
        await sendChart(deps, command, image, `report-${number}.png`, `群发 #${number} 的图表`);
        return undefined;
      }
      const runs = await getBroadcastModel(deps.connection)
        .find({ parent: number }, { number: 1, state: 1, createdAt: 1 })
        .sort({ number: -1 })
        .limit(10)
        .lean();
      const runLines = runs.map((run) => `· #${run.number}（${formatZoned(run.createdAt, deps.timezone)}，${run.state}）`);
      const noticeLines = broadcast.content.type === 'notice' ? noticeResultLines(await noticeResultsOf(deps.connection, number)) : [];
      await command.say(
        [
          formatReport(broadcast, batches),
          ...noticeLines,
          ...(effect ? formatEffect(effect, deps.timezone) : []),
          ...(runLines.length > 0 ? ['定时生成的群发：', ...runLines] : []),
        ].join('\n'),
      );
      return undefined;
    },
  };
  return definition;
}

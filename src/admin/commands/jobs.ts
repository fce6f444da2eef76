/**
 * /jobs (任务): scheduled and recurring broadcasts, broadcasts on their way, and the product's
 * own recurring series (birthday care, welcome series).
 */
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { describeContent } from '../../broadcast/broadcast-content.js';
import { getBroadcastModel } from '../../broadcast/broadcast-model.js';
import type { BroadcastScheduler } from '../../broadcast/broadcast-scheduler.js';
import { formatZoned } from '../../broadcast/zoned-time.js';
import type { CommandDefinition } from '../command.js';

export function jobsCommand(
  deps: BroadcastDeps,
  scheduler: BroadcastScheduler,
  seriesLines: () => Promise<string[]> = async () => [],
): CommandDefinition {
  return {
    name: 'jobs',
    aliases: ['任务'],
    roles: ['admin'],
    usage: '/jobs — 查看定时和进行中的群发',
    async run({ say }) {
      const broadcasts = await getBroadcastModel(deps.connection)
        .find({ state: { $in: ['scheduled', 'queued', 'sending', 'sent'] } })
        .sort({ number: 1 })
        .limit(30)
        .lean();
      const next = await scheduler.nextRuns();
      const lines = broadcasts.map((b) => {
        const when = next.get(b.number);
        const at = when ? `，下次 ${formatZoned(when, deps.timezone)}` : '';
        const what =
          b.state === 'scheduled'
            ? b.schedule?.kind === 'recurring'
              ? `重复「${b.schedule.text}」`
              : '定时'
            : { queued: '排队中', sending: '发送中', sent: '等待微信回执' }[b.state as 'queued'];
        return `#${b.number} ${what}${at}｜${b.expr}｜${describeContent(b.content)}`;
      });
      const series = await seriesLines();
      await say(
        [
          lines.length > 0 ? '群发任务：' : '没有定时或进行中的群发。',
          ...lines,
          ...(series.length > 0 ? ['系统任务：', ...series] : []),
        ].join('\n'),
      );
    },
  };
}

/**
 * /stats [chart] (统计): fans total / subscribed / new in 7 days / active / dormant, open
 * handoffs, mass pushes this month and mass-send calls today; `chart` answers with a picture
 * of the fans by tier over the last 8 weeks (customer-service image).
 */
import type { Connection } from 'mongoose';
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { massCallsToday } from '../../broadcast/mass-call-log.js';
import { MONTHLY_PUSH_LIMIT } from '../../broadcast/plan-delivery.js';
import { monthKeyIn } from '../../broadcast/zoned-time.js';
import { getFanModel } from '../../fans/fan-model.js';
import { countOpenHandoffs } from '../../handoff/handoff-model.js';
import { tierChart } from '../../charts/tier-chart.js';
import { tierHistory } from '../../charts/tier-history.js';
import { replyUsage, type CommandDefinition } from '../command.js';
import { isChartWord, sendChart } from './send-chart.js';

const DAY_MS = 24 * 3_600_000;

export function statsCommand(deps: BroadcastDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'stats',
    aliases: ['统计'],
    roles: ['admin'],
    usage: '/stats [chart] — 粉丝与群发概况；加 chart 发送近 8 周粉丝分层图',
    async run(command) {
      const { say } = command;
      if (command.argv.length > 0) {
        if (command.argv.length !== 1 || !isChartWord(command.argv[0])) {
          return replyUsage(command, definition);
        }
        const weeks = await tierHistory(deps.connection, deps.clock.now());
        await sendChart(deps, command, tierChart(weeks, deps.timezone), 'stats.png', '粉丝分层图');
        return undefined;
      }
      const now = deps.clock.now();
      const fans = getFanModel(deps.connection);
      const since = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
      const [total, subscribed, fresh, active, handoffs, pushes, calls] = await Promise.all([
        fans.countDocuments({}),
        fans.countDocuments({ subscribed: true }),
        fans.countDocuments({ subscribed: true, subscribedAt: { $gt: since(7) } }),
        fans.countDocuments({ subscribed: true, lastSeenAt: { $gt: since(30) } }),
        countOpenHandoffs(deps.connection),
        pushesThisMonth(deps.connection, monthKeyIn(now, deps.timezone)),
        massCallsToday({ connection: deps.connection, now, timezone: deps.timezone }),
      ]);
      await say(
        [
          `粉丝总数：${total}（已关注 ${subscribed}，已取关 ${total - subscribed}）`,
          `近 7 天新关注：${fresh}`,
          `活跃（30 天内互动）：${active}　沉默（30 天以上未互动）：${subscribed - active}`,
          `待处理人工会话：${handoffs}`,
          `本月群发触达：${pushes.pushes} 人次，覆盖 ${pushes.fans} 人；额度已满：${pushes.atLimit} 人`,
          `今日群发调用：${calls}/${deps.calls.perDay}`,
        ].join('\n'),
      );
      return undefined;
    },
  };
  return definition;
}

/** Mass pushes counted this month, over all fans. */
async function pushesThisMonth(connection: Connection, month: string): Promise<{ pushes: number; fans: number; atLimit: number }> {
  const fans = getFanModel(connection);
  const thisMonth = { 'massPushes.month': month };
  // One pass over this month's pushed fans (the massPushes.month index selects them).
  const [sum] = await fans.aggregate<{ pushes: number; reached: number; atLimit: number }>([
    { $match: thisMonth },
    {
      $group: {
        _id: null,
        pushes: { $sum: '$massPushes.count' },
        reached: { $sum: 1 },
        atLimit: { $sum: { $cond: [{ $gte: ['$massPushes.count', MONTHLY_PUSH_LIMIT] }, 1, 0] } },
      },
    },
  ]);
  return { pushes: sum?.pushes ?? 0, fans: sum?.reached ?? 0, atLimit: sum?.atLimit ?? 0 };
}

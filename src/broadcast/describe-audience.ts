/**
 * PURE: the audience numbers as the merchant reads them in `/segment` and previews.
 */
import type { AudienceNumbers } from './broadcast-model.js';

/**
 * Lines describing who gets what and what it costs in mass-send calls. `planned` numbers come
 * from the planner and say whether the mass part goes by tag or by OpenID list; `/segment`
 * counts do not know the content yet (which decides it), so they say neither.
 */
export function describeAudience(n: AudienceNumbers, calls: { today: number; perDay: number }, planned = false): string[] {
  const way = planned ? `${n.byTag ? `按标签「${n.byTag}」群发` : '按名单群发'}；` : '';
  return [
    `符合条件：${n.total} 人（仅统计已关注粉丝）`,
    `可送达：${n.customer + n.mass} 人`,
    `· 客服消息（48 小时内互动过，不占群发额度）：${n.customer} 人`,
    `· 群发：${n.mass} 人，需 ${n.massCalls} 次群发调用（${way}今日已用 ${calls.today}/${calls.perDay}）`,
    `本月群发额度已满而排除：${n.quotaExcluded} 人`,
    `无法送达（群发至少需 2 人）：${n.unreachable} 人`,
  ];
}

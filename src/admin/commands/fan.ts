/**
 * /fan <openid> (粉丝): the profile card — source, last seen, customer-service window and
 * allowance left, tags with the reason each was set, attributes, pushes this month, and
 * what the fan bought (orders, spend, items and sizes, RFM tier).
 */
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { MONTHLY_PUSH_LIMIT } from '../../broadcast/plan-delivery.js';
import { formatZoned, monthKeyIn } from '../../broadcast/zoned-time.js';
import { remainingOf } from '../../customer-service/send-customer-message.js';
import { getFanModel, type Fan, type FanTag } from '../../fans/fan-model.js';
import type { RfmRegistry } from '../../orders/rfm-registry.js';
import { replyUsage, type CommandDefinition } from '../command.js';

const TAG_SOURCE: Record<FanTag['source'], string> = { rule: '规则', manual: '手动', wechat: '微信' };

export function fanCommand(deps: BroadcastDeps, rfm: RfmRegistry): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'fan',
    aliases: ['粉丝'],
    roles: ['admin', 'staff'],
    usage: '/fan <openid> — 查看粉丝档案',
    async run(command) {
      const openId = command.argv[0];
      if (!openId || command.argv.length !== 1) {
        return replyUsage(command, definition);
      }
      const fan = await getFanModel(deps.connection).findOne({ openId }).lean<Fan>();
      if (!fan) {
        return replyUsage(command, definition, `没有找到粉丝 ${openId}`);
      }
      await command.say(fanCard(fan, deps.clock.now(), deps.timezone, (key) => rfm.nameOf(key)));
      return undefined;
    },
  };
  return definition;
}

/** The card text; one line per fact, tags one per line with their reason; `tierName` names an RFM tier key. */
export function fanCard(fan: Fan, now: Date, timezone: string, tierName: (key: string) => string = (key) => key): string {
  const left = remainingOf(fan.csWindow, now.getTime());
  const pushes = fan.massPushes?.month === monthKeyIn(now, timezone) ? fan.massPushes.count : 0;
  const tags = (fan.tags ?? []).map((tag) => {
    const why =
      tag.source === 'rule' ? `规则 ${tag.ruleId ?? ''}` : tag.source === 'manual' ? `手动 ${tag.by ?? ''}` : TAG_SOURCE[tag.source];
    return `  · ${tag.name}（${why.trim()}，${formatZoned(tag.at, timezone)}）`;
  });
  const attributes = Object.entries(fan.attributes ?? {}).map(([key, value]) => `${key}=${value}`);
  return [
    `粉丝 ${fan.openId}`,
    `状态：${fan.subscribed ? '已关注' : '已取关'}${fan.subscribedAt ? `（关注于 ${formatZoned(fan.subscribedAt, timezone)}）` : ''}`,
    `来源：${fan.source ?? '未知'}${fan.location?.region ? `　地区：${fan.location.region}` : ''}`,
    `最近互动：${formatZoned(fan.lastSeenAt, timezone)}`,
    `客服消息窗口：${windowLine(left)}`,
    `标签：${tags.length > 0 ? '' : '无'}`,
    ...tags,
    `属性：${attributes.length > 0 ? attributes.join('，') : '无'}`,
    `本月已收群发：${pushes}/${MONTHLY_PUSH_LIMIT}`,
    ...purchaseLines(fan, timezone, tierName),
  ].join('\n');
}

/** A fan who bought hundreds of different items still gets a card that fits a message. */
const ITEMS_SHOWN = 20;

function listed(names: string[]): string {
  const shown = names.slice(0, ITEMS_SHOWN).join('、') || '无';
  return names.length > ITEMS_SHOWN ? `${shown} 等 ${names.length} 种` : shown;
}

/** "购买：3 笔，共 ¥1,299.00…", the items and sizes bought, and the RFM tier. */
function purchaseLines(fan: Fan, timezone: string, tierName: (key: string) => string): string[] {
  const bought = fan.purchases;
  if (!bought || bought.orders === 0) {
    return ['购买：暂无订单'];
  }
  const yuan = (bought.spentFen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const day = (date: Date | undefined) => (date ? formatZoned(date, timezone).slice(0, 10) : '未知');
  return [
    `购买：${bought.orders} 笔，共 ¥${yuan}，首单 ${day(bought.firstAt)}，最近一单 ${day(bought.lastAt)}`,
    `买过：${listed(bought.names)}${bought.sizes.length > 0 ? `（尺码 ${bought.sizes.join('、')}）` : ''}`,
    `RFM 分层：${bought.rfm ? tierName(bought.rfm) : '无'}`,
  ];
}

/** "48 小时内还可发 3 条", plus the 1-minute allowance of a click or follow when one is open. */
function windowLine(left: { message: number; trigger: number }): string {
  if (left.message === 0 && left.trigger === 0) {
    return '已关闭';
  }
  const parts = [left.message > 0 ? `48 小时内还可发 ${left.message} 条` : '', left.trigger > 0 ? `1 分钟内还可发 ${left.trigger} 条` : ''];
  return `开放，${parts.filter(Boolean).join('；')}`;
}

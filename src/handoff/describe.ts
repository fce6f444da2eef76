/**
 * PURE: how handoffs and fan messages read for staff (Simplified Chinese), and what a fan
 * message becomes when it is relayed.
 */
import type { Fan } from '../fans/fan-model.js';
import type { InboundMessage } from '../wechat/inbound.js';
import type { OutboundReply } from '../wechat/reply.js';
import { staffLabel } from './handoff-deps.js';
import type { Handoff, HandoffReason } from './handoff-model.js';

const REASONS: Record<HandoffReason, string> = {
  keyword: '粉丝要求人工',
  stuck: '机器人连续答不上',
  admin: '管理员转人工',
  native: '微信客服',
};

/** One line of text for a message: its words, or what kind of media it was. */
export function summarize(message: InboundMessage): { kind: string; text: string; mediaId?: string } {
  switch (message.kind) {
    case 'text':
      return message.fromVoice
        ? { kind: 'voice', text: `[语音] ${message.content}`, mediaId: message.fromVoice.mediaId }
        : { kind: 'text', text: message.content };
    case 'image':
      return { kind: 'image', text: '[图片]', mediaId: message.mediaId };
    case 'voice':
      return { kind: 'voice', text: message.recognition ? `[语音] ${message.recognition}` : '[语音]', mediaId: message.mediaId };
    case 'video':
    case 'shortvideo':
      return { kind: message.kind, text: '[视频]', mediaId: message.mediaId };
    case 'location':
      return { kind: 'location', text: `[位置] ${message.label || ''}（${message.latitude}, ${message.longitude}）`.replace(' （', '（') };
    case 'link':
      return { kind: 'link', text: `[链接] ${message.title} ${message.url}` };
    case 'miniprogrampage':
      return { kind: 'miniprogrampage', text: `[小程序] ${message.title}` };
    default:
      return { kind: message.kind, text: `[${message.kind}]` };
  }
}

/**
 * A fan message as customer-service messages for staff: text with the chat id in front;
 * media as the media itself (a label first when the staff member holds several chats).
 */
export function relayForStaff(shortId: string, message: InboundMessage, severalChats: boolean): OutboundReply[] {
  const { text } = summarize(message);
  const label: OutboundReply = { type: 'text', content: `[#${shortId}] 粉丝：${text}` };
  switch (message.kind) {
    case 'image':
      return severalChats ? [label, { type: 'image', mediaId: message.mediaId }] : [{ type: 'image', mediaId: message.mediaId }];
    case 'voice':
      return severalChats || message.recognition
        ? [label, { type: 'voice', mediaId: message.mediaId }]
        : [{ type: 'voice', mediaId: message.mediaId }];
    case 'text':
      // A recognised voice: its words and the voice itself.
      return message.fromVoice ? [label, { type: 'voice', mediaId: message.fromVoice.mediaId }] : [label];
    case 'video':
    case 'shortvideo':
      return [{ type: 'video', mediaId: message.mediaId, title: `#${shortId} 粉丝的视频` }];
    default:
      return [label];
  }
}

/** A staff member's message as what the fan receives; null when it cannot be relayed. */
export function relayForFan(message: InboundMessage, text?: string): OutboundReply | null {
  switch (message.kind) {
    case 'text':
      // A staff member's recognised voice reaches the fan as the voice they recorded.
      return message.fromVoice && text === undefined
        ? { type: 'voice', mediaId: message.fromVoice.mediaId }
        : { type: 'text', content: text ?? message.content };
    case 'image':
      return { type: 'image', mediaId: message.mediaId };
    case 'voice':
      return { type: 'voice', mediaId: message.mediaId };
    case 'video':
    case 'shortvideo':
      return { type: 'video', mediaId: message.mediaId };
    case 'location':
    case 'link':
      return { type: 'text', content: summarize(message).text };
    default:
      return null;
  }
}

const minutesSince = (from: Date, now: Date): number => Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));

/** The card staff get when a handoff opens: who, why, the last messages, how to take it. */
export function handoffCard(handoff: Handoff, fan?: Pick<Fan, 'source' | 'tags' | 'attributes' | 'firstSeenAt'>): string {
  const lines = [
    `🔔 新的人工请求 #${handoff.shortId}`,
    `粉丝：${handoff.openId}${fan ? fanTraits(fan) : ''}`,
    `原因：${REASONS[handoff.reason]}${handoff.reasonDetail ? `（${handoff.reasonDetail}）` : ''}`,
  ];
  if (handoff.lastMessages.length > 0) {
    lines.push('最近消息：', ...handoff.lastMessages.map((m) => `· ${m.text.slice(0, 60)}`));
  }
  lines.push(`回复 /take ${handoff.shortId}（接入）接待`);
  return lines.join('\n');
}

/** What staff should know about the fan at a glance: source, tags, attributes. */
function fanTraits(fan: Pick<Fan, 'source' | 'tags' | 'attributes' | 'firstSeenAt'>): string {
  const traits: string[] = [];
  if (fan.source) {
    traits.push(`来源 ${fan.source}`);
  }
  const tags = (fan.tags ?? []).map((t) => t.name).slice(0, 5);
  if (tags.length > 0) {
    traits.push(`标签 ${tags.join('、')}`);
  }
  const attributes = Object.entries(fan.attributes ?? {}).slice(0, 4);
  if (attributes.length > 0) {
    traits.push(attributes.map(([k, v]) => `${k}=${v}`).join(' '));
  }
  if (fan.firstSeenAt) {
    traits.push(`首次来访 ${fan.firstSeenAt.toISOString().slice(0, 10)}`);
  }
  return traits.length > 0 ? `（${traits.join('，')}）` : '';
}

/** One line of the /queue listing. */
export function queueLine(handoff: Handoff, now: Date): string {
  if (handoff.status === 'held') {
    return `#${handoff.shortId} 粉丝 ${handoff.openId} — ${staffLabel(handoff.staffOpenId ?? '')} 接待中`;
  }
  return `#${handoff.shortId} 粉丝 ${handoff.openId} — ${REASONS[handoff.reason]}，已等 ${minutesSince(handoff.createdAt, now)} 分钟`;
}

/**
 * One /queue line for a chat at WeChat's own customer service: since when, and whether an agent
 * has it (then it is theirs) or nobody picked it up yet (then staff can /take it back).
 */
export function nativeLine(handoff: Handoff, now: Date, timezone: string): string {
  const since = `自 ${clockTime(handoff.createdAt, timezone)} 起（${minutesSince(handoff.createdAt, now)} 分钟）`;
  const where =
    handoff.status === 'held' && handoff.kfAccount ? `微信客服 ${handoff.kfAccount} 接待中` : '已转微信客服，尚无客服接入，可 /take 接回';
  return `#${handoff.shortId} 粉丝 ${handoff.openId} — ${where}，${since}`;
}

/** "11-23 11:05" in the shop's time zone. */
function clockTime(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** What the staff member sees after a successful /take: the conversation so far. */
export function takenCard(handoff: Handoff): string {
  const history = [...handoff.lastMessages.map((m) => m.text), ...handoff.transcript.filter((t) => t.from === 'fan').map((t) => t.text)];
  const lines = [`✅ 已接入 #${handoff.shortId}（粉丝 ${handoff.openId}）`];
  if (history.length > 0) {
    lines.push('之前的消息：', ...history.slice(-8).map((t) => `· ${t.slice(0, 80)}`));
  }
  lines.push('现在直接发消息即可回复粉丝（同时接待多个时用「#编号 内容」），发送 /end（结束）结束会话。');
  return lines.join('\n');
}

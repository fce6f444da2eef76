/**
 * PURE: what a broadcast carries (SPEC.md §7) — text, media by media_id, an article, or a
 * template from `templates/broadcasts.yaml` rendered per fan — and its two wire forms: the
 * mass-send body (WECHAT.md §6.4) and the customer-service reply (§5.1).
 */
import type { OutboundReply } from '../wechat/reply.js';

export type BroadcastContent =
  | { type: 'text'; text: string }
  | { type: 'image' | 'voice' | 'video' | 'mpnews'; mediaId: string }
  | { type: 'template'; name: string }
  /** A service notice from `templates/notices.yaml` (src/notices/): sent by template message, not mass send. */
  | { type: 'notice'; name: string };

/** Content after templates are rendered: what one fan actually gets by mass or customer-service message. */
export type ResolvedContent = Exclude<BroadcastContent, { type: 'template' | 'notice' }>;

export const MAX_BROADCAST_TEXT = 600;

const PREFIXES: Record<string, Exclude<BroadcastContent['type'], 'text'>> = {
  image: 'image',
  图片: 'image',
  voice: 'voice',
  语音: 'voice',
  video: 'video',
  视频: 'video',
  mpnews: 'mpnews',
  图文: 'mpnews',
  template: 'template',
  模板: 'template',
  notice: 'notice',
  通知: 'notice',
};
const MEDIA_ID = /^[A-Za-z0-9_-]{1,128}$/;
const TEMPLATE_NAME = /^[\p{L}\p{N}_-]{1,40}$/u;

/** Reads the part after `|` of `/broadcast`; a problem is a Chinese sentence for the admin. */
export function parseBroadcastContent(text: string): { content: BroadcastContent } | { problem: string } {
  const trimmed = text.trim();
  const match = /^([a-z]+|[\u4e00-\u9fa5]{2})[:：]\s*(\S+)$/i.exec(trimmed);
  const type = match ? PREFIXES[match[1]!.toLowerCase()] : undefined;
  if (match && type) {
    const value = match[2]!;
    if (type === 'template' || type === 'notice') {
      return TEMPLATE_NAME.test(value)
        ? { content: { type, name: value } }
        : { problem: `${type === 'notice' ? '通知' : '模板'}名「${value}」不合法` };
    }
    return MEDIA_ID.test(value) ? { content: { type, mediaId: value } } : { problem: `素材 media_id「${value}」不合法` };
  }
  if (trimmed.length === 0) {
    return { problem: '缺少群发内容' };
  }
  if (trimmed.length > MAX_BROADCAST_TEXT) {
    return { problem: `文字太长（最多 ${MAX_BROADCAST_TEXT} 字）` };
  }
  return { content: { type: 'text', text: trimmed } };
}

/** The message part of a mass-send call (without `touser`/`filter`/`clientmsgid`). */
export function massBodyOf(content: ResolvedContent): Record<string, unknown> {
  switch (content.type) {
    case 'text':
      return { msgtype: 'text', text: { content: content.text } };
    case 'image':
      return { msgtype: 'image', images: { media_ids: [content.mediaId] } };
    case 'voice':
      return { msgtype: 'voice', voice: { media_id: content.mediaId } };
    case 'video':
      // `mpvideo` for both mass endpoints, as the peers do (WECHAT.md §14 point 4).
      return { msgtype: 'mpvideo', mpvideo: { media_id: content.mediaId } };
    case 'mpnews':
      return { msgtype: 'mpnews', mpnews: { media_id: content.mediaId }, send_ignore_reprint: 0 };
  }
}

/** The customer-service form, or null when only mass send can carry it (articles). */
export function replyOf(content: ResolvedContent): OutboundReply | null {
  switch (content.type) {
    case 'text':
      return { type: 'text', content: content.text };
    case 'image':
    case 'voice':
    case 'video':
      return { type: content.type, mediaId: content.mediaId };
    case 'mpnews':
      return null;
  }
}

/** A short Chinese description for previews and /jobs. */
export function describeContent(content: BroadcastContent): string {
  switch (content.type) {
    case 'text':
      return `文字「${content.text.length > 30 ? `${content.text.slice(0, 30)}…` : content.text}」`;
    case 'template':
      return `模板 ${content.name}`;
    case 'notice':
      return `服务通知 ${content.name}`;
    default:
      return `${{ image: '图片', voice: '语音', video: '视频', mpnews: '图文' }[content.type]} ${content.mediaId}`;
  }
}

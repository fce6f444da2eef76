/**
 * PURE: turns an OutboundReply into the body of `message/custom/send` (WECHAT.md §5.1).
 * Returns null for replies that only exist as passive answers.
 */
import type { OutboundReply } from '../wechat/reply.js';

export function toCustomMessageBody(openId: string, reply: OutboundReply, kfAccount?: string): Record<string, unknown> | null {
  const base: Record<string, unknown> = { touser: openId };
  if (kfAccount) {
    base['customservice'] = { kf_account: kfAccount };
  }
  switch (reply.type) {
    case 'text':
      return { ...base, msgtype: 'text', text: { content: reply.content } };
    case 'image':
      return { ...base, msgtype: 'image', image: { media_id: reply.mediaId } };
    case 'voice':
      return { ...base, msgtype: 'voice', voice: { media_id: reply.mediaId } };
    case 'video':
      return {
        ...base,
        msgtype: 'video',
        video: { media_id: reply.mediaId, thumb_media_id: reply.mediaId, title: reply.title ?? '', description: reply.description ?? '' },
      };
    case 'music':
      return {
        ...base,
        msgtype: 'music',
        music: {
          title: reply.title ?? '',
          description: reply.description ?? '',
          musicurl: reply.musicUrl ?? '',
          hqmusicurl: reply.hqMusicUrl ?? '',
          thumb_media_id: reply.thumbMediaId,
        },
      };
    case 'news': {
      // Customer-service news carries one article since Oct 2018 (more → 45008).
      const article = reply.articles[0];
      if (!article) {
        return null;
      }
      return {
        ...base,
        msgtype: 'news',
        news: {
          articles: [
            { title: article.title, description: article.description ?? '', url: article.url ?? '', picurl: article.picUrl ?? '' },
          ],
        },
      };
    }
    case 'transfer_customer_service':
      return null;
  }
}

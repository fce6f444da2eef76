/**
 * What the bot can answer (shared/WECHAT.md §3.2). The same value is either rendered as the
 * passive XML reply or, after the deadline, sent as a customer-service message (§5.1).
 */

export interface NewsArticle {
  title: string;
  description?: string;
  picUrl?: string;
  url?: string;
}

export type OutboundReply =
  | { type: 'text'; content: string }
  | { type: 'image'; mediaId: string }
  | { type: 'voice'; mediaId: string }
  | { type: 'video'; mediaId: string; title?: string; description?: string }
  | { type: 'music'; thumbMediaId: string; title?: string; description?: string; musicUrl?: string; hqMusicUrl?: string }
  | { type: 'news'; articles: NewsArticle[] }
  | { type: 'transfer_customer_service'; kfAccount?: string };

export type OutboundReplyType = OutboundReply['type'];

/** Shorthand for the most common reply. */
export const textReply = (content: string): OutboundReply => ({ type: 'text', content });

/**
 * Building reply XML (shared/WECHAT.md §3.2, §4.2): `OutboundReply` → passive-reply XML, and
 * the envelope of an encrypted reply.
 */
import { ValidationError } from '../errors.js';
import type { NewsArticle, OutboundReply } from './reply.js';

/** XML 1.0 forbids these characters even inside CDATA; drop them rather than emit invalid XML. */
const INVALID_XML_CHARS =
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point here
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text as CDATA; `]]>` inside the text is split across two sections so the XML stays valid. */
export function cdata(value: string): string {
  const clean = value.replace(INVALID_XML_CHARS, '');
  return `<![CDATA[${clean.includes(']]>') ? clean.replaceAll(']]>', ']]]]><![CDATA[>') : clean}]]>`;
}

const el = (name: string, value: string): string => `<${name}>${cdata(value)}</${name}>`;
const optEl = (name: string, value: string | undefined): string => (value === undefined ? '' : el(name, value));

/** Header fields of a passive reply: To = the fan, From = the account, CreateTime = now (§3.1). */
export interface ReplyEnvelope {
  toUserName: string;
  fromUserName: string;
  createTime: number;
}

function article(a: NewsArticle): string {
  return `<item>${el('Title', a.title)}${el('Description', a.description ?? '')}${el('PicUrl', a.picUrl ?? '')}${el('Url', a.url ?? '')}</item>`;
}

function replyBody(reply: OutboundReply): string {
  switch (reply.type) {
    case 'text':
      return el('Content', reply.content);
    case 'image':
      return `<Image>${el('MediaId', reply.mediaId)}</Image>`;
    case 'voice':
      return `<Voice>${el('MediaId', reply.mediaId)}</Voice>`;
    case 'video':
      return `<Video>${el('MediaId', reply.mediaId)}${optEl('Title', reply.title)}${optEl('Description', reply.description)}</Video>`;
    case 'music':
      return `<Music>${optEl('Title', reply.title)}${optEl('Description', reply.description)}${optEl('MusicUrl', reply.musicUrl)}${optEl('HQMusicUrl', reply.hqMusicUrl)}${el('ThumbMediaId', reply.thumbMediaId)}</Music>`;
    case 'news':
      // §3.2 / §13: 1 article for user-message triggers, up to 8 otherwise; the caller picks.
      if (reply.articles.length < 1 || reply.articles.length > 8) {
        throw new ValidationError(`news reply needs 1 to 8 articles, got ${reply.articles.length}`);
      }
      return `<ArticleCount>${reply.articles.length}</ArticleCount><Articles>${reply.articles.map(article).join('')}</Articles>`;
    case 'transfer_customer_service':
      // §3.3: TransInfo/KfAccount targets one agent; without it any agent may pick the chat up.
      return reply.kfAccount === undefined ? '' : `<TransInfo>${el('KfAccount', reply.kfAccount)}</TransInfo>`;
  }
}

/** Renders a passive reply (§3.2): strings in CDATA, numbers bare. */
export function buildReplyXml(reply: OutboundReply, envelope: ReplyEnvelope): string {
  if (!Number.isSafeInteger(envelope.createTime)) {
    throw new TypeError('createTime must be an integer number of Unix seconds');
  }
  return `<xml>${el('ToUserName', envelope.toUserName)}${el('FromUserName', envelope.fromUserName)}<CreateTime>${envelope.createTime}</CreateTime>${el('MsgType', reply.type)}${replyBody(reply)}</xml>`;
}

/** Fields of the encrypted reply envelope (§4.2). */
export interface EncryptedReplyFields {
  encrypt: string;
  msgSignature: string;
  timestamp: string | number;
  nonce: string;
}

/** The safe-mode reply: Encrypt, MsgSignature and Nonce in CDATA, TimeStamp bare (§4.2). */
export function buildEncryptedReplyXml(fields: EncryptedReplyFields): string {
  if (!/^\d+$/.test(String(fields.timestamp))) {
    throw new TypeError('timestamp must be decimal Unix seconds');
  }
  return `<xml>${el('Encrypt', fields.encrypt)}${el('MsgSignature', fields.msgSignature)}<TimeStamp>${fields.timestamp}</TimeStamp>${el('Nonce', fields.nonce)}</xml>`;
}

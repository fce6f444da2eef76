/**
 * PURE: a wechat4u message as an OpsMessage (text only). Who wrote it is told by what the
 * logged-in account controls: the remark (备注) it gave the sender and the conversation.
 * Titles, nicknames and group display names are chosen by the people themselves and are kept
 * for display only. In a group, wechat4u's `Content` starts with the sender's display name
 * ("张三:\n/take A7K2"); `OriginalContent` keeps the sender's id ("@a1b2:<br/>/take A7K2").
 */
import { ownValue } from '../lib/own-value.js';
import type { OpsMessage } from './ops-client.js';

/** The fields of a wechat4u message and contact this needs. */
export interface Wechat4uMessageLike {
  MsgType: number;
  FromUserName: string;
  /** The conversation a message the logged-in account sent itself went to. */
  ToUserName?: string;
  Content: string;
  OriginalContent?: string;
  isSendBySelf?: boolean;
}
export interface Wechat4uContactLike {
  UserName: string;
  NickName?: string;
  RemarkName?: string;
}

/** wechat4u's MSGTYPE_TEXT. */
export const WECHAT4U_TEXT = 1;

/** The ops message for a wechat4u text message; null for anything else. */
export function toOpsMessage(raw: Wechat4uMessageLike, contacts: Readonly<Record<string, Wechat4uContactLike>>): OpsMessage | null {
  if (raw.MsgType !== WECHAT4U_TEXT) {
    return null;
  }
  const fromSelf = Boolean(raw.isSendBySelf);
  const conversationId = fromSelf && raw.ToUserName ? raw.ToUserName : raw.FromUserName;
  const conversation = ownValue(contacts, conversationId);
  const conversationRemark = conversation?.RemarkName?.trim() ?? '';
  const conversationName = conversationRemark || conversation?.NickName || '';
  const isGroup = conversationId.startsWith('@@');
  if (!isGroup) {
    const senderRemark = fromSelf ? '' : uniqueRemark(contacts, conversationId);
    const text = raw.Content.trim();
    return {
      conversationId,
      conversationName,
      conversationRemark,
      isGroup,
      senderId: conversationId,
      senderName: conversationName,
      senderRemark,
      text,
      fromSelf,
    };
  }
  const shown = /^([^\n:]*):\n([\s\S]*)$/.exec(raw.Content);
  const senderId = fromSelf ? '' : (/^(@[^:<]+):<br\/>/.exec(raw.OriginalContent ?? '')?.[1] ?? '');
  return {
    conversationId,
    conversationName,
    conversationRemark,
    isGroup,
    senderId,
    senderName: shown ? shown[1]!.trim() : '',
    senderRemark: senderId ? uniqueRemark(contacts, senderId) : '',
    text: (shown && !fromSelf ? shown[2]! : raw.Content).trim(),
    fromSelf,
  };
}

/**
 * The remark the logged-in account gave this contact; empty when none, or when another
 * contact has the same remark (two people must never share one staff identity).
 */
function uniqueRemark(contacts: Readonly<Record<string, Wechat4uContactLike>>, userName: string): string {
  const remark = ownValue(contacts, userName)?.RemarkName?.trim() ?? '';
  if (!remark) {
    return '';
  }
  const shared = Object.values(contacts).some((contact) => contact.UserName !== userName && contact.RemarkName?.trim() === remark);
  return shared ? '' : remark;
}

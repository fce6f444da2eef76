/**
 * PURE: a wechat4u message as an OpsMessage (text only). In a group, wechat4u puts the
 * sender's display name in front of the text ("张三:\n/take A7K2").
 */
import type { OpsMessage } from './ops-client.js';

/** The fields of a wechat4u message and contact this needs. */
export interface Wechat4uMessageLike {
  MsgType: number;
  FromUserName: string;
  Content: string;
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
export function toOpsMessage(raw: Wechat4uMessageLike, contacts: Record<string, Wechat4uContactLike | undefined>): OpsMessage | null {
  if (raw.MsgType !== WECHAT4U_TEXT) {
    return null;
  }
  const conversationId = raw.FromUserName;
  const contact = contacts[conversationId];
  const conversationName = contact?.RemarkName || contact?.NickName || '';
  const isGroup = conversationId.startsWith('@@');
  let senderName = conversationName;
  let text = raw.Content;
  if (isGroup) {
    const match = /^([^\n:]*):\n([\s\S]*)$/.exec(raw.Content);
    senderName = match ? match[1]!.trim() : '';
    text = match ? match[2]! : raw.Content;
  }
  return { conversationId, conversationName, isGroup, senderName, text: text.trim(), fromSelf: Boolean(raw.isSendBySelf) };
}

/**
 * The typed shape of everything WeChat pushes to the callback URL (shared/WECHAT.md §2).
 * One discriminated union on `kind`; ids (MsgId, MsgID) stay strings because they exceed
 * Number.MAX_SAFE_INTEGER.
 */

/** Fields every inbound message or event carries. */
export interface InboundBase {
  /** The account's original id (`gh_…`). */
  toUserName: string;
  /** The fan's openid (for MASSSENDJOBFINISH: the mass-send helper, not a fan). */
  fromUserName: string;
  /** Unix seconds. */
  createTime: number;
  /** The raw MsgType as sent. */
  msgType: string;
  /** The raw Event as sent (events only). */
  event?: string;
  /** MsgId of ordinary messages, as a string. */
  msgId?: string;
  /** Present when the message came from an article. */
  msgDataId?: string;
  idx?: string;
  /** Every element of the XML, as parsed, for storage and for fields not modelled here. */
  raw: Record<string, unknown>;
}

export interface TextMessage extends InboundBase {
  kind: 'text';
  content: string;
  /** set when the text is a tapped msgmenu choice */ bizMsgMenuId?: string;
  /** Set when the text is WeChat's recognition of a voice message (voice-as-text.ts). */
  fromVoice?: { mediaId: string; format: string };
}
export interface ImageMessage extends InboundBase {
  kind: 'image';
  picUrl: string;
  mediaId: string;
}
export interface VoiceMessage extends InboundBase {
  kind: 'voice';
  mediaId: string;
  format: string;
  recognition?: string;
}
export interface VideoMessage extends InboundBase {
  kind: 'video' | 'shortvideo';
  mediaId: string;
  thumbMediaId: string;
}
export interface LocationMessage extends InboundBase {
  kind: 'location';
  latitude: number;
  longitude: number;
  scale: number;
  label: string;
}
export interface LinkMessage extends InboundBase {
  kind: 'link';
  title: string;
  description: string;
  url: string;
}
export interface MiniProgramPageMessage extends InboundBase {
  kind: 'miniprogrampage';
  title: string;
  appId: string;
  pagePath: string;
}

/** Follow. `scene` is the QR scene without the `qrscene_` prefix when the follow came from a parametric QR. */
export interface SubscribeEvent extends InboundBase {
  kind: 'subscribe';
  eventKey?: string;
  ticket?: string;
  scene?: string;
}
export interface UnsubscribeEvent extends InboundBase {
  kind: 'unsubscribe';
}
/** An already-following fan scanned a parametric QR; `scene` is the EventKey. */
export interface ScanEvent extends InboundBase {
  kind: 'scan';
  scene: string;
  ticket?: string;
}
/** The periodic location report (event LOCATION). */
export interface LocationReportEvent extends InboundBase {
  kind: 'location_report';
  latitude: number;
  longitude: number;
  precision: number;
}
export interface MenuClickEvent extends InboundBase {
  kind: 'menu_click';
  eventKey: string;
}
export interface MenuViewEvent extends InboundBase {
  kind: 'menu_view';
  url: string;
  menuId?: string;
}
export interface MenuMiniProgramEvent extends InboundBase {
  kind: 'menu_miniprogram';
  pagePath: string;
  menuId?: string;
}
export interface ScanCodeEvent extends InboundBase {
  kind: 'scancode';
  eventKey: string;
  scanType: string;
  scanResult: string;
  waitMsg: boolean;
}
export interface MenuPictureEvent extends InboundBase {
  kind: 'menu_picture';
  eventKey: string;
  count: number;
  picMd5Sums: string[];
}
export interface MenuLocationSelectEvent extends InboundBase {
  kind: 'menu_location_select';
  eventKey: string;
  latitude: number;
  longitude: number;
  scale: number;
  label: string;
  poiName?: string;
}
/** Mass-send result (WECHAT.md §2.4). `massMsgId` is the msg_id returned by mass/send. */
export interface MassSendFinishEvent extends InboundBase {
  kind: 'mass_send_finish';
  massMsgId: string;
  status: string;
  totalCount: number;
  filterCount: number;
  sentCount: number;
  errorCount: number;
}
export interface TemplateSendFinishEvent extends InboundBase {
  kind: 'template_send_finish';
  templateMsgId: string;
  status: string;
}
export interface KfCreateSessionEvent extends InboundBase {
  kind: 'kf_create_session';
  kfAccount: string;
}
export interface KfCloseSessionEvent extends InboundBase {
  kind: 'kf_close_session';
  kfAccount: string;
}
export interface KfSwitchSessionEvent extends InboundBase {
  kind: 'kf_switch_session';
  fromKfAccount: string;
  toKfAccount: string;
}
export interface SubscribeMessageItem {
  templateId: string;
  status?: string;
  popupScene?: string;
  msgId?: string;
  errorCode?: string;
  errorStatus?: string;
}
export interface SubscribeMessageEvent extends InboundBase {
  kind: 'subscribe_msg_popup' | 'subscribe_msg_change' | 'subscribe_msg_sent';
  items: SubscribeMessageItem[];
}
export interface PublishFinishEvent extends InboundBase {
  kind: 'publish_finish';
  publishId: string;
  publishStatus: string;
}
/** Anything not modelled above: stored and answered `success`, never an error. */
export interface UnknownInbound extends InboundBase {
  kind: 'unknown';
}

export type InboundMessage =
  | TextMessage
  | ImageMessage
  | VoiceMessage
  | VideoMessage
  | LocationMessage
  | LinkMessage
  | MiniProgramPageMessage
  | SubscribeEvent
  | UnsubscribeEvent
  | ScanEvent
  | LocationReportEvent
  | MenuClickEvent
  | MenuViewEvent
  | MenuMiniProgramEvent
  | ScanCodeEvent
  | MenuPictureEvent
  | MenuLocationSelectEvent
  | MassSendFinishEvent
  | TemplateSendFinishEvent
  | KfCreateSessionEvent
  | KfCloseSessionEvent
  | KfSwitchSessionEvent
  | SubscribeMessageEvent
  | PublishFinishEvent
  | UnknownInbound;

export type InboundKind = InboundMessage['kind'];

/** Narrows the union to one or several kinds. */
export type InboundOf<K extends InboundKind> = Extract<InboundMessage, { kind: K }>;

/** Kinds that are a fan's own message (they open the 5-message / 48-hour customer-service window). */
export const USER_MESSAGE_KINDS: ReadonlySet<InboundKind> = new Set<InboundKind>([
  'text',
  'image',
  'voice',
  'video',
  'shortvideo',
  'location',
  'link',
  'miniprogrampage',
]);

/** Kinds that do not come from a fan at all (system notifications about jobs). */
export const SYSTEM_EVENT_KINDS: ReadonlySet<InboundKind> = new Set<InboundKind>([
  'mass_send_finish',
  'template_send_finish',
  'publish_finish',
]);

/**
 * The retry-dedupe key (WECHAT.md §3.1): MsgId for messages; for job-result events the
 * job id; for other events FromUserName|CreateTime|Event|EventKey, because a follow via QR
 * and another event can share a second.
 */
export function dedupeKeyOf(message: InboundMessage): string {
  if (message.msgId) {
    return `msg:${message.msgId}`;
  }
  switch (message.kind) {
    case 'mass_send_finish':
      return `mass:${message.massMsgId}`;
    case 'template_send_finish':
      return `tmpl:${message.templateMsgId}`;
    case 'publish_finish':
      return `publish:${message.publishId}`;
    default: {
      const eventKey = typeof message.raw['EventKey'] === 'string' ? message.raw['EventKey'] : '';
      return `evt:${message.fromUserName}|${message.createTime}|${message.event ?? message.msgType}|${eventKey}`;
    }
  }
}

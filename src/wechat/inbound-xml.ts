/**
 * Message mapping (shared/WECHAT.md §2.2–§2.4): the element map of a callback → the typed
 * `InboundMessage` union. Unknown types and events become `unknown`, never an error.
 */
import { ValidationError } from '../errors.js';
import type { InboundBase, InboundMessage, SubscribeMessageItem } from './inbound.js';
import { child, count, list, num, optional, parseRoot, str, text, type XmlElementMap } from './xml-parse.js';

const ENVELOPE = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'] as const;

function parseBase(root: XmlElementMap): InboundBase {
  const issues: string[] = [];
  for (const name of ENVELOPE) {
    const value = root[name];
    if (value === undefined || value === '') {
      issues.push(`${name}: required`);
    } else if (typeof value !== 'string') {
      issues.push(`${name}: expected a single text value`);
    }
  }
  const createTime = Number(root['CreateTime']);
  if (issues.length === 0 && !Number.isSafeInteger(createTime)) {
    issues.push('CreateTime: must be an integer (Unix seconds)');
  }
  if (issues.length > 0) {
    throw new ValidationError(issues.join('; '));
  }
  const base: InboundBase = {
    toUserName: str(root, 'ToUserName'),
    fromUserName: str(root, 'FromUserName'),
    createTime,
    msgType: str(root, 'MsgType'),
    raw: root,
  };
  const event = text(root, 'Event');
  if (event !== undefined) {
    base.event = event;
  }
  const msgId = optional(root, 'MsgId');
  if (msgId !== undefined) {
    base.msgId = msgId;
  }
  const msgDataId = optional(root, 'MsgDataId');
  if (msgDataId !== undefined) {
    base.msgDataId = msgDataId;
  }
  const idx = optional(root, 'Idx');
  if (idx !== undefined) {
    base.idx = idx;
  }
  return base;
}

type Mapper = (root: XmlElementMap, base: InboundBase) => InboundMessage;

/** Ordinary messages by MsgType (§2.2). */
const MESSAGE_MAPPERS: Record<string, Mapper> = {
  text: (r, b) => {
    const bizMsgMenuId = optional(r, 'bizmsgmenuid');
    return { ...b, kind: 'text', content: str(r, 'Content'), ...(bizMsgMenuId === undefined ? {} : { bizMsgMenuId }) };
  },
  image: (r, b) => ({ ...b, kind: 'image', picUrl: str(r, 'PicUrl'), mediaId: str(r, 'MediaId') }),
  voice: (r, b) => {
    // §2.2: Recognition is being retired and often arrives empty; empty means absent.
    const recognition = optional(r, 'Recognition');
    return {
      ...b,
      kind: 'voice',
      mediaId: str(r, 'MediaId'),
      format: str(r, 'Format'),
      ...(recognition === undefined ? {} : { recognition }),
    };
  },
  video: (r, b) => ({ ...b, kind: 'video', mediaId: str(r, 'MediaId'), thumbMediaId: str(r, 'ThumbMediaId') }),
  shortvideo: (r, b) => ({ ...b, kind: 'shortvideo', mediaId: str(r, 'MediaId'), thumbMediaId: str(r, 'ThumbMediaId') }),
  location: (r, b) => ({
    ...b,
    kind: 'location',
    latitude: num(r, 'Location_X'),
    longitude: num(r, 'Location_Y'),
    scale: num(r, 'Scale'),
    label: str(r, 'Label'),
  }),
  link: (r, b) => ({ ...b, kind: 'link', title: str(r, 'Title'), description: str(r, 'Description'), url: str(r, 'Url') }),
  miniprogrampage: (r, b) => ({
    ...b,
    kind: 'miniprogrampage',
    title: str(r, 'Title'),
    appId: str(r, 'AppId'),
    pagePath: str(r, 'PagePath'),
  }),
};

const subscribeItems =
  (wrapper: string, kind: 'subscribe_msg_popup' | 'subscribe_msg_change' | 'subscribe_msg_sent'): Mapper =>
  (r, b) => ({
    ...b,
    kind,
    items: list(child(r, wrapper), 'List').map((item) => {
      const entry: SubscribeMessageItem = { templateId: str(item, 'TemplateId', `${wrapper}.List.TemplateId`) };
      const fields: [keyof SubscribeMessageItem, string][] = [
        ['status', 'SubscribeStatusString'],
        ['popupScene', 'PopupScene'],
        ['msgId', 'MsgID'],
        ['errorCode', 'ErrorCode'],
        ['errorStatus', 'ErrorStatus'],
      ];
      for (const [key, name] of fields) {
        const value = text(item, name, `${wrapper}.List.${name}`);
        if (value !== undefined) {
          entry[key] = value;
        }
      }
      return entry;
    }),
  });

const scancode =
  (waitMsg: boolean): Mapper =>
  (r, b) => {
    const info = child(r, 'ScanCodeInfo');
    return {
      ...b,
      kind: 'scancode',
      eventKey: str(r, 'EventKey'),
      scanType: str(info, 'ScanType', 'ScanCodeInfo.ScanType'),
      scanResult: str(info, 'ScanResult', 'ScanCodeInfo.ScanResult'),
      waitMsg,
    };
  };

const menuPicture: Mapper = (r, b) => {
  const info = child(r, 'SendPicsInfo');
  const picMd5Sums = list(child(info, 'PicList'), 'item').map((item) => str(item, 'PicMd5Sum', 'SendPicsInfo.PicList.item.PicMd5Sum'));
  const countValue = info['Count'] === undefined ? picMd5Sums.length : count(info, 'Count', 'SendPicsInfo.Count');
  return { ...b, kind: 'menu_picture', eventKey: str(r, 'EventKey'), count: countValue, picMd5Sums };
};

const publishFinish: Mapper = (r, b) => {
  const info = child(r, 'PublishEventInfo');
  return {
    ...b,
    kind: 'publish_finish',
    publishId: str(info, 'publish_id', 'PublishEventInfo.publish_id'),
    publishStatus: str(info, 'publish_status', 'PublishEventInfo.publish_status'),
  };
};

/** Events by lower-cased Event name (§2.3): WeChat mixes `subscribe`, `SCAN`, `view_miniprogram`. */
const EVENT_MAPPERS: Record<string, Mapper> = {
  subscribe: (r, b) => {
    const eventKey = optional(r, 'EventKey');
    const ticket = optional(r, 'Ticket');
    // §2.3: a follow via a parametric QR carries EventKey = "qrscene_" + scene.
    const scene = eventKey?.startsWith('qrscene_') ? eventKey.slice('qrscene_'.length) : undefined;
    return {
      ...b,
      kind: 'subscribe',
      ...(eventKey === undefined ? {} : { eventKey }),
      ...(ticket === undefined ? {} : { ticket }),
      ...(scene === undefined ? {} : { scene }),
    };
  },
  unsubscribe: (_r, b) => ({ ...b, kind: 'unsubscribe' }),
  scan: (r, b) => {
    const ticket = optional(r, 'Ticket');
    return { ...b, kind: 'scan', scene: str(r, 'EventKey'), ...(ticket === undefined ? {} : { ticket }) };
  },
  location: (r, b) => ({
    ...b,
    kind: 'location_report',
    latitude: num(r, 'Latitude'),
    longitude: num(r, 'Longitude'),
    precision: num(r, 'Precision'),
  }),
  click: (r, b) => ({ ...b, kind: 'menu_click', eventKey: str(r, 'EventKey') }),
  view: (r, b) => {
    const menuId = optional(r, 'MenuId');
    return { ...b, kind: 'menu_view', url: str(r, 'EventKey'), ...(menuId === undefined ? {} : { menuId }) };
  },
  view_miniprogram: (r, b) => {
    const menuId = optional(r, 'MenuId');
    return { ...b, kind: 'menu_miniprogram', pagePath: str(r, 'EventKey'), ...(menuId === undefined ? {} : { menuId }) };
  },
  scancode_push: scancode(false),
  scancode_waitmsg: scancode(true),
  pic_sysphoto: menuPicture,
  pic_photo_or_album: menuPicture,
  pic_weixin: menuPicture,
  location_select: (r, b) => {
    const info = child(r, 'SendLocationInfo');
    const poiName = optional(info, 'Poiname', 'SendLocationInfo.Poiname');
    return {
      ...b,
      kind: 'menu_location_select',
      eventKey: str(r, 'EventKey'),
      latitude: num(info, 'Location_X', 'SendLocationInfo.Location_X'),
      longitude: num(info, 'Location_Y', 'SendLocationInfo.Location_Y'),
      scale: num(info, 'Scale', 'SendLocationInfo.Scale'),
      label: str(info, 'Label', 'SendLocationInfo.Label'),
      ...(poiName === undefined ? {} : { poiName }),
    };
  },
  // §2.4: the job id is MsgID (capital D); it is not a fan message id, so `msgId` stays unset.
  masssendjobfinish: (r, b) => ({
    ...b,
    kind: 'mass_send_finish',
    massMsgId: str(r, 'MsgID'),
    status: str(r, 'Status'),
    totalCount: count(r, 'TotalCount'),
    filterCount: count(r, 'FilterCount'),
    sentCount: count(r, 'SentCount'),
    errorCount: count(r, 'ErrorCount'),
  }),
  templatesendjobfinish: (r, b) => ({ ...b, kind: 'template_send_finish', templateMsgId: str(r, 'MsgID'), status: str(r, 'Status') }),
  kf_create_session: (r, b) => ({ ...b, kind: 'kf_create_session', kfAccount: str(r, 'KfAccount') }),
  kf_close_session: (r, b) => ({ ...b, kind: 'kf_close_session', kfAccount: str(r, 'KfAccount') }),
  kf_switch_session: (r, b) => ({
    ...b,
    kind: 'kf_switch_session',
    fromKfAccount: str(r, 'FromKfAccount'),
    toKfAccount: str(r, 'ToKfAccount'),
  }),
  subscribe_msg_popup_event: subscribeItems('SubscribeMsgPopupEvent', 'subscribe_msg_popup'),
  subscribe_msg_change_event: subscribeItems('SubscribeMsgChangeEvent', 'subscribe_msg_change'),
  subscribe_msg_sent_event: subscribeItems('SubscribeMsgSentEvent', 'subscribe_msg_sent'),
  // §2.3 / §14.9: the docs say FREEPUBLISHJOBFINISH, captures show PUBLISHJOBFINISH.
  publishjobfinish: publishFinish,
  freepublishjobfinish: publishFinish,
};

/** Parses a plaintext callback body into the typed union; unknown types and events become `unknown`. */
export function parseInboundXml(xml: string): InboundMessage {
  const root = parseRoot(xml);
  const base = parseBase(root);
  const msgType = base.msgType.toLowerCase();
  const table = msgType === 'event' ? EVENT_MAPPERS : MESSAGE_MAPPERS;
  const key = msgType === 'event' ? base.event?.toLowerCase() : msgType;
  // Object.hasOwn: a MsgType such as "constructor" must not reach Object.prototype.
  const mapper = key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
  if (mapper === undefined) {
    return { ...base, kind: 'unknown' };
  }
  return mapper(root, base);
}

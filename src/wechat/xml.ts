/**
 * The XML edge of the callback (shared/WECHAT.md §2–§4): inbound XML → `InboundMessage`,
 * `OutboundReply` → passive-reply XML, and the encrypted envelopes of safe mode.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../errors.js';
import type { InboundBase, InboundMessage, SubscribeMessageItem } from './inbound.js';
import type { NewsArticle, OutboundReply } from './reply.js';

/** A parsed element: text, a map of child elements, or a repeated element. */
export type XmlValue = string | XmlElementMap | XmlValue[];
/** The children of one element, by tag name; every leaf is a string (nothing is coerced). */
export interface XmlElementMap {
  [name: string]: XmlValue;
}

// === Parsing

/** Elements that may repeat; always arrays so a single entry is not a special case (§2.3, §15). */
const ARRAY_PATHS = new Set([
  'xml.SendPicsInfo.PicList.item',
  'xml.SubscribeMsgPopupEvent.List',
  'xml.SubscribeMsgChangeEvent.List',
  'xml.SubscribeMsgSentEvent.List',
  'xml.PublishEventInfo.article_detail.item',
  'xml.CopyrightCheckResult.ResultList.item',
  'xml.ArticleUrlResult.ResultList.item',
  'xml.Articles.item',
]);

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const ENTITY_REF = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|apos|quot);/g;

/** Decodes only XML's five predefined entities and character references, never DTD entities. */
function decodeXmlText(text: string): string {
  if (!text.includes('&')) {
    return text;
  }
  return text.replace(ENTITY_REF, (match, name: string) => {
    if (name[0] !== '#') {
      return PREDEFINED[name] ?? match;
    }
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}

/**
 * Created once: this is the hot path. `parseTagValue: false` keeps MsgId, EventKey and all-digit
 * Content as exact strings (§2.1 pitfall). fast-xml-parser's own entity machinery is replaced by
 * `decodeXmlText`, and DOCTYPE is refused before parsing, so no entity can expand.
 * CDATA content is never entity-decoded by the parser, which is what XML requires.
 */
const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  processEntities: { enabled: true },
  entityDecoder: {
    decode: decodeXmlText,
    setExternalEntities: () => undefined,
    addInputEntities: () => undefined,
    reset: () => undefined,
    setXmlVersion: () => undefined,
  },
  isArray: (_name, jPath) => typeof jPath === 'string' && ARRAY_PATHS.has(jPath),
});

/** Rejects markup declarations (XXE, billion laughs, §15); CDATA text that merely mentions them is fine. */
function assertNoDoctype(xml: string): void {
  let at = xml.indexOf('<!');
  while (at !== -1) {
    if (xml.startsWith('<![CDATA[', at)) {
      const end = xml.indexOf(']]>', at + 9);
      if (end === -1) {
        return; // unterminated CDATA: the validator reports it as malformed
      }
      at = xml.indexOf('<!', end + 3);
      continue;
    }
    const keyword = xml.slice(at + 2, at + 9).toUpperCase();
    if (keyword === 'DOCTYPE' || keyword.startsWith('ENTITY')) {
      throw new ValidationError('XML with DOCTYPE/ENTITY is not accepted');
    }
    at = xml.indexOf('<!', at + 2);
  }
}

/** Parses a callback body and returns the children of its `<xml>` root. */
function parseRoot(xml: string): XmlElementMap {
  if (typeof xml !== 'string' || xml.trim().length === 0) {
    throw new ValidationError('malformed XML: empty body');
  }
  assertNoDoctype(xml);
  // The parser is lenient (it accepts mismatched close tags), so validate first.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new ValidationError(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    throw new ValidationError(`malformed XML: ${(error as Error).message}`, error);
  }
  const names = typeof document === 'object' && document !== null ? Object.keys(document) : [];
  if (names.length !== 1 || names[0] !== 'xml') {
    throw new ValidationError('root element must be <xml>');
  }
  const root = (document as { xml: XmlValue }).xml;
  if (root === '') {
    return {};
  }
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new ValidationError('root element must be <xml>');
  }
  return root;
}

/** The text of a leaf element; absent → undefined; an element with children is invalid. */
function text(map: XmlElementMap, name: string, path = name): string | undefined {
  const value = map[name];
  if (value === undefined || typeof value === 'string') {
    return value;
  }
  throw new ValidationError(`${path}: expected a single text value`);
}

/** A string field the union types as required: WeChat omitting it is tolerated as ''. */
function str(map: XmlElementMap, name: string, path = name): string {
  return text(map, name, path) ?? '';
}

/** Set only when present and non-empty (optional fields such as Ticket or Recognition). */
function optional(map: XmlElementMap, name: string, path = name): string | undefined {
  const value = text(map, name, path);
  return value === undefined || value === '' ? undefined : value;
}

function num(map: XmlElementMap, name: string, path = name): number {
  const value = text(map, name, path);
  if (value === undefined || value.trim() === '') {
    throw new ValidationError(`${path}: required`);
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new ValidationError(`${path}: must be a number`);
  }
  return parsed;
}

/** Counts in job-result events: absent means 0 (they are informational, §2.4). */
function count(map: XmlElementMap, name: string, path = name): number {
  return map[name] === undefined || map[name] === '' ? 0 : num(map, name, path);
}

function child(map: XmlElementMap, name: string): XmlElementMap {
  const value = map[name];
  if (value === undefined || value === '') {
    return {};
  }
  if (typeof value === 'string' || Array.isArray(value)) {
    throw new ValidationError(`${name}: expected child elements`);
  }
  return value;
}

function list(map: XmlElementMap, name: string): XmlElementMap[] {
  const value = map[name];
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return items.map((item) => (typeof item === 'object' && !Array.isArray(item) ? item : {}));
}

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

/** The outer body of an encrypted callback. */
export interface EncryptedEnvelope {
  toUserName?: string;
  encrypt: string;
}

/** The safe-mode body `<xml><ToUserName/><Encrypt/></xml>` (§4.2); also accepts compatible mode. */
export function parseEncryptedEnvelope(xml: string): EncryptedEnvelope {
  const root = parseRoot(xml);
  const encrypt = optional(root, 'Encrypt');
  if (encrypt === undefined) {
    throw new ValidationError('Encrypt: required');
  }
  const toUserName = optional(root, 'ToUserName');
  return toUserName === undefined ? { encrypt } : { toUserName, encrypt };
}

// === Building

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

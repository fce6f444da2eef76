/**
 * Builders for inbound callback XML as WeChat sends it (shared/WECHAT.md §2): strings in CDATA,
 * numbers bare. Used by unit tests, integration tests, the simulator and the benchmark.
 */
import { cdata } from '../../src/wechat/reply-xml.js';

export { signQuery } from '../../src/wechat/signature.js';

/** A field value: text (CDATA), a number (bare), nested elements, or a repeated element. */
export type XmlFieldValue = string | number | XmlFields | XmlFields[];
/** Elements in document order; a superset of `Record<string, string | number>`. */
export interface XmlFields {
  [name: string]: XmlFieldValue;
}

/** The account's original id used by default. */
export const TEST_ACCOUNT_ID = 'gh_test_account';
/** The fan's openid used by default. */
export const TEST_OPENID = 'oTEST_fan_000000000000001';

/** Envelope overrides shared by the builders. */
export interface EnvelopeOverrides {
  toUserName?: string;
  fromUserName?: string;
  /** Unix seconds; defaults to now (events dedupe on FromUserName|CreateTime|Event|EventKey, §3.1). */
  createTime?: number;
}

/** Overrides of `buildTextXml`; `fields` adds or replaces raw XML elements (e.g. `bizmsgmenuid`). */
export interface TextXmlOverrides extends EnvelopeOverrides {
  content?: string;
  /** Defaults to a fresh id per call so that two built messages are never deduplicated. */
  msgId?: string;
  fields?: XmlFields;
}

function render(name: string, value: XmlFieldValue): string {
  if (typeof value === 'number') {
    return `<${name}>${value}</${name}>`;
  }
  if (typeof value === 'string') {
    return `<${name}>${cdata(value)}</${name}>`;
  }
  if (Array.isArray(value)) {
    return value.map((item) => render(name, item)).join('');
  }
  return `<${name}>${toXmlBody(value)}</${name}>`;
}

function toXmlBody(fields: XmlFields): string {
  return Object.entries(fields)
    .map(([name, value]) => render(name, value))
    .join('');
}

/** Renders `<xml>…</xml>` from fields: strings as CDATA, numbers bare, objects nested, arrays repeated. */
export function toXml(fields: XmlFields): string {
  return `<xml>${toXmlBody(fields)}</xml>`;
}

let msgIdCounter = 0n;

/** A fresh 64-bit-looking MsgId string above Number.MAX_SAFE_INTEGER (§2.1 pitfall). */
export function nextMsgId(): string {
  msgIdCounter += 1n;
  return (23938173794149768n + msgIdCounter).toString();
}

function envelope(msgType: string, overrides: EnvelopeOverrides): XmlFields {
  return {
    ToUserName: overrides.toUserName ?? TEST_ACCOUNT_ID,
    FromUserName: overrides.fromUserName ?? TEST_OPENID,
    CreateTime: overrides.createTime ?? Math.floor(Date.now() / 1000),
    MsgType: msgType,
  };
}

/** Any ordinary message (§2.2): envelope + `fields` + a fresh MsgId unless `fields.MsgId` is given. */
export function buildMessageXml(msgType: string, fields: XmlFields = {}, overrides: EnvelopeOverrides = {}): string {
  return toXml({ ...envelope(msgType, overrides), ...fields, MsgId: fields['MsgId'] ?? nextMsgId() });
}

/** A text message from a fan. */
export function buildTextXml(overrides: TextXmlOverrides = {}): string {
  const fields: XmlFields = { Content: overrides.content ?? 'hello', MsgId: overrides.msgId ?? nextMsgId(), ...overrides.fields };
  return buildMessageXml('text', fields, overrides);
}

/** An event push (§2.3); `fields` are XML-named (EventKey, Ticket, ScanCodeInfo …) and may override the envelope. */
export function buildEventXml(event: string, fields: XmlFields = {}, overrides: EnvelopeOverrides = {}): string {
  return toXml({ ...envelope('event', overrides), Event: event, ...fields });
}

/**
 * Plays the WeChat side of the callback for one fan: builds the inbound XML, signs it (and
 * encrypts it in safe/compatible mode) exactly as WeChat would (shared/WECHAT.md §1, §2, §4),
 * posts it to fanhook and decodes the passive reply. The simulator REPL, tests and the
 * benchmark share it, so the protocol lives here and nowhere else in devtools.
 */
import { XMLParser } from 'fast-xml-parser';
import { WechatCrypto } from '../wechat/crypto.js';
import { computeMsgSignature, signQuery } from '../wechat/signature.js';
import { cdata } from '../wechat/reply-xml.js';
import { parseEncryptedEnvelope } from '../wechat/xml-parse.js';

/** How the callback is wrapped: plaintext, compatible (plain fields + Encrypt) or safe (Encrypt only). */
export type CallbackMode = 'plain' | 'compatible' | 'safe';

/** Options of `SimulatedFan`. */
export interface SimulatedFanOptions {
  /** fanhook's callback URL, e.g. http://127.0.0.1:3000/wechat. */
  url: string;
  token: string;
  openId: string;
  /** The account's original id, sent as ToUserName. */
  accountId?: string;
  /** EncodingAESKey; with it the default mode is `safe`. */
  aesKey?: string;
  /** Required with `aesKey`: the AppID appended inside every encrypted message. */
  appId?: string;
  mode?: CallbackMode;
  /** Give up on an answer after this long (WeChat itself waits 5 s, then retries). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The HTTP answer to one callback, decoded. */
export interface SimulatedReply {
  status: number;
  /** The reply XML (decrypted in safe mode), `success`, or the error body. */
  replyXml: string;
  /** The `<xml>` element as strings, or null for `success`, an empty body or an error status. */
  reply: Record<string, unknown> | null;
  /** Whether the reply came encrypted, and then whether its MsgSignature verified. */
  encrypted: boolean;
  signatureValid?: boolean;
  elapsedMs: number;
}

/** Fields of one XML element: strings become CDATA, numbers stay bare (§2.1). */
export type CallbackFields = Record<string, string | number>;

/** Reply XML is not an inbound message: parse it generically, keeping every value a string. */
const replyParser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  isArray: (_name, jpath) => String(jpath) === 'xml.Articles.item',
});

function renderFields(fields: CallbackFields): string {
  return Object.entries(fields)
    .map(([name, value]) => (typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}>${cdata(value)}</${name}>`))
    .join('');
}

let msgIdSequence = 0n;

/** MsgIds are 64-bit and above 2^53 in practice; unique per process and time-ordered. */
function nextMsgId(): string {
  msgIdSequence += 1n;
  return (BigInt(Date.now()) * 1_000_000n + (msgIdSequence % 1_000_000n)).toString();
}

/** Parses a passive reply to its `<xml>` element, or null when it is not a reply XML. */
export function parseReplyXml(xml: string): Record<string, unknown> | null {
  const trimmed = xml.trim();
  if (trimmed === '' || trimmed === 'success' || !trimmed.startsWith('<')) {
    return null;
  }
  const parsed: unknown = replyParser.parse(trimmed);
  const root = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).xml : undefined;
  return typeof root === 'object' && root !== null ? (root as Record<string, unknown>) : null;
}

/** A fan (or admin, or staff — they are fans to WeChat) chatting with the account. */
export class SimulatedFan {
  /** The current identity; change it to speak as someone else. */
  openId: string;
  readonly mode: CallbackMode;
  private readonly crypto: WechatCrypto | undefined;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: SimulatedFanOptions) {
    this.openId = options.openId;
    this.mode = options.mode ?? (options.aesKey ? 'safe' : 'plain');
    if (this.mode !== 'plain') {
      if (!options.aesKey || !options.appId) {
        throw new TypeError(`${this.mode} mode needs aesKey and appId`);
      }
      this.crypto = new WechatCrypto({ appId: options.appId, aesKey: options.aesKey });
    }
    this.fetcher = options.fetch ?? globalThis.fetch;
  }

  /** A text message. */
  sendText(content: string): Promise<SimulatedReply> {
    return this.message('text', { Content: content });
  }

  /** Follow; with a scene it is a follow through a parametric QR code (EventKey `qrscene_…`). */
  follow(scene?: string): Promise<SimulatedReply> {
    return this.event('subscribe', scene === undefined ? {} : { EventKey: `qrscene_${scene}`, Ticket: fakeTicket(scene) });
  }

  unfollow(): Promise<SimulatedReply> {
    return this.event('unsubscribe');
  }

  /** An already-following fan scans a parametric QR code. */
  scan(scene: string): Promise<SimulatedReply> {
    return this.event('SCAN', { EventKey: scene, Ticket: fakeTicket(scene) });
  }

  click(key: string): Promise<SimulatedReply> {
    return this.event('CLICK', { EventKey: key });
  }

  view(url: string): Promise<SimulatedReply> {
    return this.event('VIEW', { EventKey: url });
  }

  /** A location message the fan shares from the chat. */
  location(latitude: number, longitude: number, label = ''): Promise<SimulatedReply> {
    return this.message('location', { Location_X: latitude, Location_Y: longitude, Scale: 15, Label: label });
  }

  image(): Promise<SimulatedReply> {
    const id = nextMsgId();
    return this.message('image', { PicUrl: `http://mmbiz.qpic.cn/sim/${id}/0`, MediaId: `SIM_IMAGE_${id}` });
  }

  /** A voice message; `recognition` is the speech-to-text WeChat adds when enabled. */
  voice(recognition?: string): Promise<SimulatedReply> {
    const fields: CallbackFields = { MediaId: `SIM_VOICE_${nextMsgId()}`, Format: 'amr' };
    if (recognition !== undefined) {
      fields.Recognition = recognition;
    }
    return this.message('voice', fields);
  }

  link(url: string, title = url, description = ''): Promise<SimulatedReply> {
    return this.message('link', { Title: title, Description: description, Url: url });
  }

  /** Any ordinary message: the envelope and a fresh MsgId are added. */
  message(msgType: string, fields: CallbackFields = {}): Promise<SimulatedReply> {
    return this.post({ ...this.envelope(msgType), ...fields, MsgId: nextMsgId() });
  }

  /** Any event. */
  event(event: string, fields: CallbackFields = {}): Promise<SimulatedReply> {
    return this.post({ ...this.envelope('event'), Event: event, ...fields });
  }

  /** Signs, wraps and posts one callback; `fields` are the complete plaintext message. */
  async post(fields: CallbackFields): Promise<SimulatedReply> {
    const plainXml = `<xml>${renderFields(fields)}</xml>`;
    let body = plainXml;
    let query: Record<string, string> = { ...signQuery(this.options.token) };
    if (this.crypto) {
      const encrypt = this.crypto.encrypt(plainXml);
      const wrapped = this.mode === 'safe' ? { ToUserName: String(fields.ToUserName ?? '') } : fields;
      body = `<xml>${renderFields({ ...wrapped, Encrypt: encrypt })}</xml>`;
      query = { ...signQuery(this.options.token, { encrypt }) };
    }
    // WeChat also passes the sender's openid in the query string.
    const url = new URL(this.options.url);
    for (const [key, value] of Object.entries({ ...query, openid: this.openId })) {
      url.searchParams.set(key, value);
    }
    const started = performance.now();
    const response = await this.fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    const elapsedMs = Math.round(performance.now() - started);
    return this.decode(response.status, text, elapsedMs);
  }

  private envelope(msgType: string): CallbackFields {
    return {
      ToUserName: this.options.accountId ?? 'gh_fanhook_sim',
      FromUserName: this.openId,
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: msgType,
    };
  }

  private decode(status: number, text: string, elapsedMs: number): SimulatedReply {
    const base = { status, replyXml: text, reply: null, encrypted: false, elapsedMs };
    if (status !== 200 || !text.includes('<Encrypt>')) {
      return { ...base, reply: status === 200 ? parseReplyXml(text) : null };
    }
    if (!this.crypto) {
      throw new Error('the server answered an encrypted reply but no aesKey is configured');
    }
    const { encrypt } = parseEncryptedEnvelope(text);
    const envelope = parseReplyXml(text) ?? {};
    const signatureValid =
      computeMsgSignature(this.options.token, String(envelope.TimeStamp ?? ''), String(envelope.Nonce ?? ''), encrypt) ===
      envelope.MsgSignature;
    const replyXml = this.crypto.decrypt(encrypt).message;
    return { ...base, replyXml, reply: parseReplyXml(replyXml), encrypted: true, signatureValid };
  }
}

/** A ticket-shaped string, stable per scene (real tickets are opaque base64). */
function fakeTicket(scene: string): string {
  return `gQSIM${Buffer.from(scene).toString('base64url')}`;
}

/** One line for humans: the text of a text reply, a short tag for the other kinds. */
export function describeReply(reply: Record<string, unknown> | null): string {
  if (!reply) {
    return '(no passive reply)';
  }
  const str = (value: unknown): string => (typeof value === 'string' ? value : '');
  const media = (key: string): string => {
    const item = reply[key];
    return typeof item === 'object' && item !== null ? str((item as Record<string, unknown>).MediaId) : '';
  };
  switch (reply.MsgType) {
    case 'text':
      return str(reply.Content);
    case 'image':
      return `[图片 ${media('Image')}]`;
    case 'voice':
      return `[语音 ${media('Voice')}]`;
    case 'video':
      return `[视频 ${media('Video')}]`;
    case 'music':
      return '[音乐]';
    case 'news': {
      const articles = (reply.Articles as { item?: unknown[] } | undefined)?.item ?? [];
      return articles
        .map((item) => {
          const a = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
          return `[图文] ${str(a.Title)}${str(a.Description) ? ` — ${str(a.Description)}` : ''}${str(a.Url) ? ` <${str(a.Url)}>` : ''}`;
        })
        .join('\n');
    }
    case 'transfer_customer_service':
      return '(转接人工客服 transfer_customer_service)';
    default:
      return `[${str(reply.MsgType) || 'unknown'}]`;
  }
}

/**
 * A fake of the WeChat API (shared/WECHAT.md §0, §5–§7, §9, §11) as a small real HTTP
 * server: integration tests, the simulator and the benchmark point WECHAT_API_BASE at it.
 * It keeps the state a real account would (tokens, tags, mass jobs, delivered messages),
 * records every call, answers unknown endpoints with 40066 so unplanned calls fail tests
 * (STYLE.md §5.8), injects errors, and pushes MASSSENDJOBFINISH back to the callback URL.
 * Kept in one file on purpose: it is a devtool whose parts only make sense together.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../lib/clock.js';
import { WechatCrypto } from '../wechat/crypto.js';
import { signQuery } from '../wechat/signature.js';

// === Public types

/** Options of `startFakeWechatApi`; every field has a working default. */
export interface FakeWechatApiOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  appId?: string;
  appSecret?: string;
  /** The account's original id, used as ToUserName of pushed events. */
  originalId?: string;
  /** Where `pushMassSendJobFinish` posts and the token that signs it; with `aesKey` the push is encrypted (safe mode). */
  callback?: { url: string; token: string; aesKey?: string };
  /** Time source for token expiry, the 24 h clientmsgid window and monthly quotas. */
  clock?: Clock;
  /** Called after every recorded call (the CLI prints them). */
  onCall?: (call: RecordedCall) => void;
}

/** One request the fake answered (control endpoints under `/__fake/` are not recorded). */
export interface RecordedCall {
  at: Date;
  method: string;
  path: string;
  /** Query parameters; `access_token` and `secret` are redacted. */
  query: Record<string, string>;
  body: unknown;
  /** The answer as sent, except that ids beyond 2^53 appear as digit strings. */
  response: unknown;
  errcode: number;
  /** True for an endpoint the fake does not know. */
  unexpected?: boolean;
}

/** Something the fake delivered to a fan's chat: a customer-service message, a mass send, a preview. */
export interface FakeDelivery {
  index: number;
  at: Date;
  via: 'custom' | 'mass' | 'preview';
  body: unknown;
}

/** How `failNext` fails; `errcode` 0 with `delayMs` only slows the real answer down. */
export interface FailOptions {
  times?: number;
  errmsg?: string;
  /** ≥ 500 answers a non-JSON gateway error page, like WeChat's front end does. */
  httpStatus?: number;
  delayMs?: number;
}

/** Overrides for the counts of a MASSSENDJOBFINISH push (defaults come from the job). */
export interface MassJobFinishCounts {
  status?: string;
  totalCount?: number;
  filterCount?: number;
  sentCount?: number;
  errorCount?: number;
}

/** A mass-send job as the fake remembers it. */
export interface FakeMassJob {
  msgId: string;
  msgDataId?: number;
  endpoint: 'send' | 'sendall';
  /** The whole audience (OpenID list, tag members or every follower). */
  openIds: string[];
  /** The part of the audience that got it (subscribed, under 4 this month). */
  deliveredTo: string[];
  clientMsgId: string;
  msgtype: string;
  content: unknown;
  createdAt: Date;
  status: 'SENDING' | 'SEND_SUCCESS' | 'SEND_FAIL' | 'DELETE';
}

/** What the fake knows about one fan. */
export interface FakeFan {
  openId: string;
  subscribe: boolean;
  subscribeTime: number;
  subscribeScene: string;
  qrScene: number;
  qrSceneStr: string;
  remark: string;
  language: string;
}

/** The running fake and its inspection / control handles. */
export interface FakeWechatApi {
  /** Base URL; set WECHAT_API_BASE to it. */
  url: string;
  appId: string;
  appSecret: string;
  /** Every call in order of completion. */
  calls: RecordedCall[];
  /** Calls to endpoints the fake does not know. */
  readonly unexpected: RecordedCall[];
  callsTo(path: string): RecordedCall[];
  /** Bodies of successful custom/send calls to that fan. */
  customMessagesFor(openId: string): unknown[];
  /** Everything delivered to that fan's chat, in order. */
  messagesFor(openId: string): FakeDelivery[];
  massJobs(): FakeMassJob[];
  /** Creates or changes a fan (e.g. `subscribe: false` to simulate an unfollow). */
  setFan(openId: string, patch?: Partial<Omit<FakeFan, 'openId'>>): FakeFan;
  failNext(path: string, errcode: number, options?: FailOptions): void;
  /** Expires every issued token: the next API call gets 42001 and stable_token issues a new one. */
  expireToken(): void;
  pushMassSendJobFinish(msgId: string, counts?: MassJobFinishCounts): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

// === Protocol constants

const DEFAULT_APP_ID = 'wxfa4e0000000fa4e0';
const DEFAULT_APP_SECRET = 'fakeappsecret0000000000000000fake';
const TOKEN_TTL_S = 7200;
/** Stable tokens rotate in their last 5 minutes (WECHAT.md §9.2). */
const STABLE_ROTATE_S = 300;
/** Classic tokens: the previous one keeps working 5 minutes after a new one is issued (§9.1). */
const CLASSIC_GRACE_MS = 5 * 60_000;
const CLIENTMSGID_WINDOW_MS = 24 * 3600_000;
const MASS_PER_FAN_PER_MONTH = 4;
const MAX_TAGS = 100;
const MAX_TAGS_PER_FAN = 20;
/** Chosen above 2^53 so a client that parses msg_id as a JS number visibly corrupts it. */
const FIRST_MSG_ID = 3147483652000000001n;
const SYSTEM_TAG_ID = 2;

const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  0: 'ok',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40004: 'invalid media type',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid appid',
  40032: 'invalid openid list size',
  40050: 'invalid group id',
  40066: 'invalid url',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  43004: 'require subscribe',
  44002: 'empty post data',
  45008: 'article size out of limit',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit',
  45015: 'response out of time limit or subscription is canceled',
  45028: 'has no masssend quota',
  45047: 'out of response count limit',
  45056: 'too many tags now',
  45058: "can't modify sys tag",
  45059: 'can not tagging one user too much',
  45065: 'clientmsgid exist',
  45067: 'clientmsgid size out of limit',
  45072: 'command invalid',
  45083: 'speed out of range',
  45084: 'no speed',
  45157: 'invalid tag name',
  45158: 'tag name too long',
  45159: 'invalid tag id',
  47001: 'data format error',
  48001: 'api unauthorized',
};

/** Required fields of each custom-message object (WECHAT.md §5.1). */
const CUSTOM_FIELDS: Record<string, string[]> = {
  text: ['content'],
  image: ['media_id'],
  voice: ['media_id'],
  video: ['media_id'],
  music: ['musicurl', 'hqmusicurl', 'thumb_media_id'],
  news: ['articles'],
  mpnews: ['media_id'],
  mpnewsarticle: ['article_id'],
  msgmenu: ['list'],
  wxcard: ['card_id'],
  miniprogrampage: ['appid', 'pagepath', 'thumb_media_id'],
};

/** Mass-send object per msgtype (WECHAT.md §6.4); `image` uses the `images` object today. */
const MASS_OBJECTS: Record<string, { key: string; fields: string[] }> = {
  text: { key: 'text', fields: ['content'] },
  mpnews: { key: 'mpnews', fields: ['media_id'] },
  voice: { key: 'voice', fields: ['media_id'] },
  image: { key: 'images', fields: ['media_ids'] },
  mpvideo: { key: 'mpvideo', fields: ['media_id'] },
  wxcard: { key: 'wxcard', fields: ['card_id'] },
};

/** Daily limits reported by openapi/quota/get (WECHAT.md §12; others default high). */
const DAILY_LIMITS: Record<string, number> = {
  '/cgi-bin/token': 2000,
  '/cgi-bin/stable_token': 500000,
  '/cgi-bin/message/mass/send': 100,
  '/cgi-bin/message/mass/sendall': 100,
  '/cgi-bin/message/mass/preview': 100,
  '/cgi-bin/user/get': 500,
};

// === Small helpers

type Json = Record<string, unknown>;
interface Answer {
  status?: number;
  body: Json | string;
  contentType?: string;
}
interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}
interface Route {
  method: 'GET' | 'POST';
  auth: boolean;
  handle: (req: FakeRequest) => Answer;
}

/** A JSON integer emitted verbatim, so ids above 2^53 reach the client unrounded. */
class RawInteger {
  constructor(readonly digits: string) {}
}

const RAW_MARK = '\u0001rawint:';

/** JSON text with RawIntegers written as bare digits (JSON.stringify cannot emit a BigInt). */
function toJsonText(body: Json): string {
  const text = JSON.stringify(body, (_key, value: unknown) => (value instanceof RawInteger ? RAW_MARK + value.digits : value));
  return text.replace(/"\\u0001rawint:(\d+)"/g, '$1');
}

/** The recorded form of an answer: RawIntegers become digit strings. */
function toRecorded(body: Json | string): unknown {
  if (typeof body === 'string') {
    return body;
  }
  return JSON.parse(JSON.stringify(body, (_key, value: unknown) => (value instanceof RawInteger ? value.digits : value)));
}

/** Parses a JSON body keeping integers of 16+ digits as strings (msg_id sent back by clients). */
function parseJsonBody(text: string): unknown {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

function error(errcode: number, errmsg = ERRMSG[errcode] ?? 'error'): Answer {
  return { body: { errcode, errmsg } };
}

const OK: Answer = { body: { errcode: 0, errmsg: 'ok' } };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOpenId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

/** Calendar month in China time: the per-fan mass quota resets on the 1st, Asia/Shanghai. */
function monthKey(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
}

function dayKey(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

function escapeCdata(value: string): string {
  return value.replaceAll(']]>', ']]]]><![CDATA[>');
}

/** Checks a message object against required fields; 47001 when the shape is wrong. */
function checkObject(body: Json, key: string, fields: string[]): Answer | null {
  const object = body[key];
  if (!isObject(object)) {
    return error(47001);
  }
  for (const field of fields) {
    const value = object[field];
    if (value === undefined || value === null || value === '') {
      return error(47001);
    }
  }
  return null;
}

interface TokenRecord {
  kind: 'stable' | 'classic';
  expiresAt: number;
  revoked: boolean;
}
interface Failure {
  errcode: number;
  remaining: number;
  errmsg?: string;
  httpStatus?: number;
  delayMs?: number;
}

// === State and endpoints

/** Everything a real account would remember, plus what the fake recorded. */
class FakeAccount {
  readonly calls: RecordedCall[] = [];
  tokens = new Map<string, TokenRecord>();
  stableToken: string | null = null;
  classicToken: string | null = null;
  fans = new Map<string, FakeFan>();
  tags = new Map<number, string>();
  tagMembers = new Map<number, Set<string>>();
  fanTags = new Map<string, Set<number>>();
  nextTagId = 100;
  inboxes = new Map<string, FakeDelivery[]>();
  jobs = new Map<string, FakeMassJob>();
  clientMsgIds = new Map<string, { msgId: string; at: number }>();
  massCounts = new Map<string, number>();
  nextMsgId = FIRST_MSG_ID;
  nextMsgDataId = 2247483650;
  speed = 0;
  failures = new Map<string, Failure[]>();

  constructor(readonly opts: Required<Pick<FakeWechatApiOptions, 'appId' | 'appSecret' | 'clock'>>) {
    this.reset();
  }

  reset(): void {
    this.calls.length = 0;
    this.tokens = new Map();
    this.stableToken = null;
    this.classicToken = null;
    this.fans = new Map();
    this.tags = new Map([[SYSTEM_TAG_ID, '星标组']]);
    this.tagMembers = new Map([[SYSTEM_TAG_ID, new Set()]]);
    this.fanTags = new Map();
    this.nextTagId = 100;
    this.inboxes = new Map();
    this.jobs = new Map();
    this.clientMsgIds = new Map();
    this.massCounts = new Map();
    this.nextMsgId = FIRST_MSG_ID;
    this.nextMsgDataId = 2247483650;
    this.speed = 0;
    this.failures = new Map();
  }

  now(): number {
    return this.opts.clock.now().getTime();
  }

  // --- tokens (WECHAT.md §9)

  issueToken(kind: TokenRecord['kind']): string {
    const token = `${kind === 'stable' ? 'S' : 'C'}_${randomBytes(96).toString('base64url')}`;
    this.tokens.set(token, { kind, expiresAt: this.now() + TOKEN_TTL_S * 1000, revoked: false });
    return token;
  }

  tokenAnswer(token: string): Answer {
    const record = this.tokens.get(token);
    const left = record ? Math.floor((record.expiresAt - this.now()) / 1000) : TOKEN_TTL_S;
    return { body: { access_token: token, expires_in: left } };
  }

  checkCredentials(grantType: unknown, appId: unknown, secret: unknown): Answer | null {
    if (grantType !== 'client_credential') {
      return error(40002);
    }
    if (appId !== this.opts.appId) {
      return error(40013);
    }
    if (secret !== this.opts.appSecret) {
      return error(40125);
    }
    return null;
  }

  stableTokenRoute(req: FakeRequest): Answer {
    const body = isObject(req.body) ? req.body : {};
    const bad = this.checkCredentials(body.grant_type, body.appid, body.secret);
    if (bad) {
      return bad;
    }
    const current = this.stableToken ? this.tokens.get(this.stableToken) : undefined;
    if (body.force_refresh === true && current) {
      current.revoked = true;
    }
    const usable = current && !current.revoked && current.expiresAt - this.now() > STABLE_ROTATE_S * 1000;
    // Normal mode hands every instance the same token, so instances never knock each other out.
    if (!usable || !this.stableToken) {
      this.stableToken = this.issueToken('stable');
    }
    return this.tokenAnswer(this.stableToken);
  }

  classicTokenRoute(req: FakeRequest): Answer {
    const bad = this.checkCredentials(req.query.grant_type, req.query.appid, req.query.secret);
    if (bad) {
      return bad;
    }
    // Every classic call issues a new token; the previous one lives on for a 5-minute grace.
    const previous = this.classicToken ? this.tokens.get(this.classicToken) : undefined;
    if (previous) {
      previous.expiresAt = Math.min(previous.expiresAt, this.now() + CLASSIC_GRACE_MS);
    }
    this.classicToken = this.issueToken('classic');
    return this.tokenAnswer(this.classicToken);
  }

  checkToken(token: string | undefined): Answer | null {
    if (!token) {
      return error(41001);
    }
    const record = this.tokens.get(token);
    if (!record || record.revoked) {
      return error(40001);
    }
    if (record.expiresAt <= this.now()) {
      return error(42001);
    }
    return null;
  }

  expireAll(): void {
    const now = this.now();
    for (const record of this.tokens.values()) {
      record.expiresAt = Math.min(record.expiresAt, now);
    }
  }

  // --- fans and deliveries

  fan(openId: string): FakeFan {
    let fan = this.fans.get(openId);
    if (!fan) {
      // The fake has no follow events of its own: any well-formed openid is a follower from first sight.
      fan = {
        openId,
        subscribe: true,
        subscribeTime: Math.floor(this.now() / 1000),
        subscribeScene: 'ADD_SCENE_OTHERS',
        qrScene: 0,
        qrSceneStr: '',
        remark: '',
        language: 'zh_CN',
      };
      this.fans.set(openId, fan);
    }
    return fan;
  }

  deliver(openId: string, via: FakeDelivery['via'], body: unknown): void {
    const inbox = this.inboxes.get(openId) ?? [];
    inbox.push({ index: inbox.length, at: new Date(this.now()), via, body });
    this.inboxes.set(openId, inbox);
  }

  // --- customer-service messages (WECHAT.md §5)

  customSend(req: FakeRequest): Answer {
    const body = req.body;
    if (!isObject(body)) {
      return error(44002);
    }
    if (!isOpenId(body.touser)) {
      return error(40003);
    }
    const msgtype = body.msgtype;
    if (typeof msgtype !== 'string' || !(msgtype in CUSTOM_FIELDS)) {
      return error(40008);
    }
    const bad = checkObject(body, msgtype, CUSTOM_FIELDS[msgtype] ?? []);
    if (bad) {
      return bad;
    }
    if (msgtype === 'news') {
      const articles = (body.news as Json).articles;
      if (!Array.isArray(articles) || articles.length === 0) {
        return error(47001);
      }
      if (articles.length > 1) {
        return error(45008);
      }
    }
    if (!this.fan(body.touser).subscribe) {
      return error(45015);
    }
    this.deliver(body.touser, 'custom', body);
    return OK;
  }

  typing(req: FakeRequest): Answer {
    const body = req.body;
    if (!isObject(body)) {
      return error(44002);
    }
    if (!isOpenId(body.touser)) {
      return error(40003);
    }
    if (body.command !== 'Typing' && body.command !== 'CancelTyping') {
      return error(45072);
    }
    if (!this.fan(body.touser).subscribe) {
      return error(45015);
    }
    return OK;
  }

  // --- mass send (WECHAT.md §6)

  checkMassContent(body: Json): Answer | null {
    const msgtype = body.msgtype;
    if (typeof msgtype !== 'string' || !(msgtype in MASS_OBJECTS)) {
      return error(40008);
    }
    const spec = MASS_OBJECTS[msgtype];
    if (!spec) {
      return error(40008);
    }
    // Older docs send a single image as `image.media_id`; accept both forms.
    if (msgtype === 'image' && isObject(body.image) && typeof body.image.media_id === 'string') {
      return null;
    }
    return checkObject(body, spec.key, spec.fields);
  }

  massContent(body: Json): Json {
    const { touser: _touser, filter: _filter, clientmsgid: _clientmsgid, ...content } = body;
    return content;
  }

  createJob(endpoint: FakeMassJob['endpoint'], body: Json, audience: string[]): Answer {
    const now = this.now();
    const content = this.massContent(body);
    // Without a clientmsgid WeChat uses a digest of audience + content, so identical sends collide (§6.5).
    const clientMsgId =
      typeof body.clientmsgid === 'string' && body.clientmsgid !== ''
        ? body.clientmsgid
        : createHash('sha1')
            .update(JSON.stringify([endpoint, audience, body.filter ?? null, content]))
            .digest('hex');
    if (Buffer.byteLength(clientMsgId, 'utf8') > 64) {
      return error(45067);
    }
    const seen = this.clientMsgIds.get(clientMsgId);
    if (seen && now - seen.at < CLIENTMSGID_WINDOW_MS) {
      return { body: { errcode: 45065, errmsg: ERRMSG[45065] ?? '', msg_id: new RawInteger(seen.msgId) } };
    }
    const msgId = (this.nextMsgId++).toString();
    const msgtype = String(body.msgtype);
    const msgDataId = msgtype === 'mpnews' ? this.nextMsgDataId++ : undefined;
    const month = monthKey(new Date(now));
    const deliveredTo: string[] = [];
    for (const openId of audience) {
      const key = `${month}|${openId}`;
      const count = this.massCounts.get(key) ?? 0;
      // Unfollowed fans and fans at their 4-a-month limit are silently filtered (§6.1).
      if (!this.fan(openId).subscribe || count >= MASS_PER_FAN_PER_MONTH) {
        continue;
      }
      this.massCounts.set(key, count + 1);
      this.deliver(openId, 'mass', content);
      deliveredTo.push(openId);
    }
    this.jobs.set(msgId, {
      msgId,
      msgDataId,
      endpoint,
      openIds: audience,
      deliveredTo,
      clientMsgId,
      msgtype,
      content,
      createdAt: new Date(now),
      status: 'SENDING',
    });
    this.clientMsgIds.set(clientMsgId, { msgId, at: now });
    const answer: Json = { errcode: 0, errmsg: 'send job submission success', msg_id: new RawInteger(msgId) };
    if (msgDataId !== undefined) {
      answer.msg_data_id = msgDataId;
    }
    return { body: answer };
  }

  massSend(req: FakeRequest): Answer {
    const body = req.body;
    if (!isObject(body)) {
      return error(44002);
    }
    const touser = body.touser;
    if (!Array.isArray(touser) || touser.length < 2 || touser.length > 10000) {
      return error(40032);
    }
    if (!touser.every(isOpenId)) {
      return error(40003);
    }
    return this.checkMassContent(body) ?? this.createJob('send', body, [...new Set(touser)]);
  }

  massSendAll(req: FakeRequest): Answer {
    const body = req.body;
    if (!isObject(body)) {
      return error(44002);
    }
    const filter = body.filter;
    if (!isObject(filter)) {
      return error(47001);
    }
    let audience: string[];
    if (filter.is_to_all === true) {
      audience = [...this.fans.values()].filter((fan) => fan.subscribe).map((fan) => fan.openId);
    } else {
      const tagId = Number(filter.tag_id ?? filter.group_id);
      const members = this.tagMembers.get(tagId);
      if (!members) {
        return error(40050);
      }
      audience = [...members];
    }
    return this.checkMassContent(body) ?? this.createJob('sendall', body, audience);
  }

  massPreview(req: FakeRequest): Answer {
    const body = req.body;
    if (!isObject(body)) {
      return error(44002);
    }
    const bad = this.checkMassContent(body);
    if (bad) {
      return bad;
    }
    if (isOpenId(body.touser)) {
      if (!this.fan(body.touser).subscribe) {
        return error(43004);
      }
      this.deliver(body.touser, 'preview', this.massContent(body));
    } else if (typeof body.towxname !== 'string' || body.towxname === '') {
      return error(40003);
    }
    return { body: { errcode: 0, errmsg: 'preview success', msg_id: 1000000000 + this.calls.length } };
  }

  findJob(body: unknown): FakeMassJob | undefined {
    if (!isObject(body)) {
      return undefined;
    }
    const id = body.msg_id;
    return typeof id === 'string' || typeof id === 'number' ? this.jobs.get(String(id)) : undefined;
  }

  massGet(req: FakeRequest): Answer {
    const job = this.findJob(req.body);
    if (!job) {
      return error(40097);
    }
    return { body: { msg_id: new RawInteger(job.msgId), msg_status: job.status } };
  }

  massDelete(req: FakeRequest): Answer {
    const job = this.findJob(req.body);
    // Only article and video sends can be deleted (§6.7).
    if (!job || (job.msgtype !== 'mpnews' && job.msgtype !== 'mpvideo')) {
      return error(40097);
    }
    job.status = 'DELETE';
    return OK;
  }

  massSpeed(req: FakeRequest): Answer {
    if (req.path.endsWith('/set')) {
      const speed = isObject(req.body) ? req.body.speed : undefined;
      if (speed === undefined) {
        return error(45084);
      }
      if (typeof speed !== 'number' || !Number.isInteger(speed) || speed < 0 || speed > 4) {
        return error(45083);
      }
      this.speed = speed;
      return OK;
    }
    const perMinute = [80, 60, 45, 30, 10][this.speed] ?? 80;
    return { body: { speed: this.speed, realspeed: perMinute * 10 } };
  }

  // --- tags (WECHAT.md §7.1)

  tagCreate(req: FakeRequest): Answer {
    const tag = isObject(req.body) ? req.body.tag : undefined;
    const name = isObject(tag) ? tag.name : undefined;
    if (typeof name !== 'string' || name.trim() === '') {
      return error(45157);
    }
    if (Buffer.byteLength(name, 'utf8') > 30) {
      return error(45158);
    }
    if ([...this.tags.values()].includes(name)) {
      return error(45157);
    }
    if (this.tags.size >= MAX_TAGS) {
      return error(45056);
    }
    const id = this.nextTagId++;
    this.tags.set(id, name);
    this.tagMembers.set(id, new Set());
    return { body: { tag: { id, name } } };
  }

  tagList(): Answer {
    const tags = [...this.tags].map(([id, name]) => ({ id, name, count: this.tagMembers.get(id)?.size ?? 0 }));
    return { body: { tags } };
  }

  tagUpdate(req: FakeRequest): Answer {
    const tag = isObject(req.body) ? req.body.tag : undefined;
    if (!isObject(tag) || typeof tag.id !== 'number' || typeof tag.name !== 'string') {
      return error(47001);
    }
    if (tag.id <= SYSTEM_TAG_ID) {
      return error(45058);
    }
    if (!this.tags.has(tag.id)) {
      return error(45159);
    }
    if (Buffer.byteLength(tag.name, 'utf8') > 30) {
      return error(45158);
    }
    const clash = [...this.tags].some(([id, name]) => name === tag.name && id !== tag.id);
    if (clash) {
      return error(45157);
    }
    this.tags.set(tag.id, tag.name);
    return OK;
  }

  tagDelete(req: FakeRequest): Answer {
    const tag = isObject(req.body) ? req.body.tag : undefined;
    const id = isObject(tag) ? tag.id : undefined;
    if (typeof id !== 'number') {
      return error(47001);
    }
    if (id <= SYSTEM_TAG_ID) {
      return error(45058);
    }
    if (!this.tags.has(id)) {
      return error(45159);
    }
    for (const openId of this.tagMembers.get(id) ?? []) {
      this.fanTags.get(openId)?.delete(id);
    }
    this.tags.delete(id);
    this.tagMembers.delete(id);
    return OK;
  }

  batchTagging(req: FakeRequest, add: boolean): Answer {
    const body = req.body;
    if (!isObject(body)) {
      return error(44002);
    }
    const list = body.openid_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > 50) {
      return error(40032);
    }
    if (!list.every(isOpenId)) {
      return error(40003);
    }
    const tagId = body.tagid;
    const members = typeof tagId === 'number' ? this.tagMembers.get(tagId) : undefined;
    if (typeof tagId !== 'number' || !members) {
      return error(45159);
    }
    // Check the whole batch first: WeChat applies a batch all or nothing.
    if (add && list.some((openId) => !this.fanTags.get(openId)?.has(tagId) && (this.fanTags.get(openId)?.size ?? 0) >= MAX_TAGS_PER_FAN)) {
      return error(45059);
    }
    for (const openId of list) {
      this.fan(openId);
      const own = this.fanTags.get(openId) ?? new Set<number>();
      this.fanTags.set(openId, own);
      if (add) {
        own.add(tagId);
        members.add(openId);
      } else {
        own.delete(tagId);
        members.delete(openId);
      }
    }
    return OK;
  }

  tagIdList(req: FakeRequest): Answer {
    const openId = isObject(req.body) ? req.body.openid : undefined;
    if (!isOpenId(openId)) {
      return error(40003);
    }
    return { body: { tagid_list: [...(this.fanTags.get(openId) ?? [])] } };
  }

  tagFans(req: FakeRequest): Answer {
    const body = isObject(req.body) ? req.body : {};
    const members = typeof body.tagid === 'number' ? this.tagMembers.get(body.tagid) : undefined;
    if (!members) {
      return error(45159);
    }
    return this.page([...members], typeof body.next_openid === 'string' ? body.next_openid : '', false);
  }

  /** One page of ≤ 10,000 openids after `next`, shaped like user/get and user/tag/get. */
  page(all: string[], next: string, withTotal: boolean): Answer {
    const start = next ? all.indexOf(next) + 1 : 0;
    const slice = start > 0 || !next ? all.slice(start, start + 10000) : [];
    const answer: Json = withTotal ? { total: all.length, count: slice.length } : { count: slice.length };
    if (slice.length > 0) {
      answer.data = { openid: slice };
    }
    answer.next_openid = slice.at(-1) ?? '';
    return { body: answer };
  }

  // --- users (WECHAT.md §7.3, §7.4)

  userInfo(openId: unknown): Json | null {
    if (!isOpenId(openId)) {
      return null;
    }
    const fan = this.fan(openId);
    if (!fan.subscribe) {
      return { subscribe: 0, openid: openId };
    }
    // Nickname, avatar, sex and region are blanked since 2021 (§7.3); the fake answers the same.
    return {
      subscribe: 1,
      openid: openId,
      nickname: '',
      sex: 0,
      language: fan.language,
      city: '',
      province: '',
      country: '',
      headimgurl: '',
      subscribe_time: fan.subscribeTime,
      remark: fan.remark,
      groupid: 0,
      tagid_list: [...(this.fanTags.get(openId) ?? [])],
      subscribe_scene: fan.subscribeScene,
      qr_scene: fan.qrScene,
      qr_scene_str: fan.qrSceneStr,
    };
  }

  userInfoRoute(req: FakeRequest): Answer {
    const info = this.userInfo(req.query.openid);
    return info ? { body: info } : error(40003);
  }

  userBatchGet(req: FakeRequest): Answer {
    const list = isObject(req.body) ? req.body.user_list : undefined;
    if (!Array.isArray(list) || list.length === 0 || list.length > 100) {
      return error(40032);
    }
    const infos: Json[] = [];
    for (const item of list) {
      const info = isObject(item) ? this.userInfo(item.openid) : null;
      if (!info) {
        return error(40003);
      }
      infos.push(info);
    }
    return { body: { user_info_list: infos } };
  }

  userList(req: FakeRequest): Answer {
    const subscribed = [...this.fans.values()].filter((fan) => fan.subscribe).map((fan) => fan.openId);
    return this.page(subscribed, req.query.next_openid ?? '', true);
  }

  // --- misc

  mediaUpload(req: FakeRequest): Answer {
    const type = req.query.type ?? '';
    if (!['image', 'voice', 'video', 'thumb'].includes(type)) {
      return error(40004);
    }
    const mediaId = `FAKE_MEDIA_${randomBytes(16).toString('hex')}`;
    return { body: { type, media_id: mediaId, created_at: Math.floor(this.now() / 1000) } };
  }

  quotaGet(req: FakeRequest): Answer {
    const cgiPath = isObject(req.body) ? req.body.cgi_path : undefined;
    if (typeof cgiPath !== 'string' || !cgiPath.startsWith('/')) {
      return error(40097);
    }
    const today = dayKey(new Date(this.now()));
    const used = this.calls.filter((call) => call.path === cgiPath && dayKey(call.at) === today).length;
    const limit = DAILY_LIMITS[cgiPath] ?? 1_000_000;
    return { body: { errcode: 0, errmsg: 'ok', quota: { daily_limit: limit, used, remain: Math.max(0, limit - used) } } };
  }

  routes(): Map<string, Route> {
    const post = (handle: Route['handle']): Route => ({ method: 'POST', auth: true, handle });
    const get = (handle: Route['handle']): Route => ({ method: 'GET', auth: true, handle });
    return new Map<string, Route>([
      ['/cgi-bin/stable_token', { method: 'POST', auth: false, handle: (r) => this.stableTokenRoute(r) }],
      ['/cgi-bin/token', { method: 'GET', auth: false, handle: (r) => this.classicTokenRoute(r) }],
      ['/cgi-bin/message/custom/send', post((r) => this.customSend(r))],
      ['/cgi-bin/message/custom/typing', post((r) => this.typing(r))],
      ['/cgi-bin/message/mass/send', post((r) => this.massSend(r))],
      ['/cgi-bin/message/mass/sendall', post((r) => this.massSendAll(r))],
      ['/cgi-bin/message/mass/preview', post((r) => this.massPreview(r))],
      ['/cgi-bin/message/mass/get', post((r) => this.massGet(r))],
      ['/cgi-bin/message/mass/delete', post((r) => this.massDelete(r))],
      ['/cgi-bin/message/mass/speed/get', post((r) => this.massSpeed(r))],
      ['/cgi-bin/message/mass/speed/set', post((r) => this.massSpeed(r))],
      ['/cgi-bin/tags/create', post((r) => this.tagCreate(r))],
      ['/cgi-bin/tags/get', get(() => this.tagList())],
      ['/cgi-bin/tags/update', post((r) => this.tagUpdate(r))],
      ['/cgi-bin/tags/delete', post((r) => this.tagDelete(r))],
      ['/cgi-bin/tags/members/batchtagging', post((r) => this.batchTagging(r, true))],
      ['/cgi-bin/tags/members/batchuntagging', post((r) => this.batchTagging(r, false))],
      ['/cgi-bin/tags/getidlist', post((r) => this.tagIdList(r))],
      ['/cgi-bin/user/tag/get', post((r) => this.tagFans(r))],
      ['/cgi-bin/user/info', get((r) => this.userInfoRoute(r))],
      ['/cgi-bin/user/info/batchget', post((r) => this.userBatchGet(r))],
      ['/cgi-bin/user/get', get((r) => this.userList(r))],
      ['/cgi-bin/media/upload', post((r) => this.mediaUpload(r))],
      ['/cgi-bin/openapi/quota/get', post((r) => this.quotaGet(r))],
    ]);
  }
}

// === HTTP plumbing

async function readBody(req: http.IncomingMessage, limit = 20 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) {
      throw new Error('body too large');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: http.ServerResponse, status: number, text: string, contentType = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function redactQuery(query: Record<string, string>): Record<string, string> {
  const copy = { ...query };
  if (copy.access_token !== undefined) {
    copy.access_token = '***';
  }
  if (copy.secret !== undefined) {
    copy.secret = '***';
  }
  return copy;
}

function redactBody(body: unknown): unknown {
  return isObject(body) && typeof body.secret === 'string' ? { ...body, secret: '***' } : body;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The MASSSENDJOBFINISH event XML (WECHAT.md §2.4). */
function massFinishXml(originalId: string, createTime: number, msgId: string, c: Required<MassJobFinishCounts>): string {
  return [
    '<xml>',
    `<ToUserName><![CDATA[${escapeCdata(originalId)}]]></ToUserName>`,
    '<FromUserName><![CDATA[mphelper]]></FromUserName>',
    `<CreateTime>${createTime}</CreateTime>`,
    '<MsgType><![CDATA[event]]></MsgType>',
    '<Event><![CDATA[MASSSENDJOBFINISH]]></Event>',
    `<MsgID>${msgId}</MsgID>`,
    `<Status><![CDATA[${escapeCdata(c.status)}]]></Status>`,
    `<TotalCount>${c.totalCount}</TotalCount>`,
    `<FilterCount>${c.filterCount}</FilterCount>`,
    `<SentCount>${c.sentCount}</SentCount>`,
    `<ErrorCount>${c.errorCount}</ErrorCount>`,
    '<CopyrightCheckResult><Count>0</Count><ResultList></ResultList><CheckState>1</CheckState></CopyrightCheckResult>',
    '<ArticleUrlResult><Count>0</Count><ResultList></ResultList></ArticleUrlResult>',
    '</xml>',
  ].join('');
}

/**
 * Starts the fake WeChat API on 127.0.0.1.
 * @example
 *   const fake = await startFakeWechatApi({ callback: { url: 'http://127.0.0.1:3000/wechat', token: 'T' } });
 *   process.env.WECHAT_API_BASE = fake.url; // in a test setup only
 */
export async function startFakeWechatApi(options: FakeWechatApiOptions = {}): Promise<FakeWechatApi> {
  const clock = options.clock ?? systemClock;
  const account = new FakeAccount({
    appId: options.appId ?? DEFAULT_APP_ID,
    appSecret: options.appSecret ?? DEFAULT_APP_SECRET,
    clock,
  });
  const routes = account.routes();

  const record = (call: RecordedCall): void => {
    account.calls.push(call);
    options.onCall?.(call);
  };

  const takeFailure = (path: string): Failure | undefined => {
    const queue = account.failures.get(path);
    const failure = queue?.[0];
    if (!queue || !failure) {
      return undefined;
    }
    failure.remaining -= 1;
    if (failure.remaining <= 0) {
      queue.shift();
    }
    return failure;
  };

  const answerApi = async (req: FakeRequest, res: http.ServerResponse, parseError: boolean): Promise<void> => {
    const at = clock.now();
    const base = { at, method: req.method, path: req.path, query: redactQuery(req.query), body: redactBody(req.body) };
    const failure = takeFailure(req.path);
    if (failure?.delayMs) {
      await delay(failure.delayMs);
    }
    if (failure && failure.errcode !== 0) {
      const status = failure.httpStatus ?? 200;
      if (status >= 500) {
        const page = `<html><body><h1>${status} Bad Gateway</h1></body></html>`;
        send(res, status, page, 'text/html');
        record({ ...base, response: page, errcode: failure.errcode });
        return;
      }
      const body = { errcode: failure.errcode, errmsg: failure.errmsg ?? ERRMSG[failure.errcode] ?? 'error' };
      send(res, status, toJsonText(body));
      record({ ...base, response: body, errcode: failure.errcode });
      return;
    }
    const route = routes.get(req.path);
    let answer: Answer;
    if (!route) {
      answer = error(40066);
    } else {
      answer = checkRoute(route, req, parseError) ?? route.handle(req);
    }
    const text = typeof answer.body === 'string' ? answer.body : toJsonText(answer.body);
    send(res, answer.status ?? 200, text, answer.contentType);
    const errcode = typeof answer.body === 'string' ? 0 : Number(answer.body.errcode ?? 0);
    record({ ...base, response: toRecorded(answer.body), errcode, ...(route ? {} : { unexpected: true }) });
  };

  const checkRoute = (route: Route, req: FakeRequest, parseError: boolean): Answer | null => {
    if (route.method === 'GET' && req.method !== 'GET') {
      return error(43001);
    }
    if (route.method === 'POST' && req.method !== 'POST') {
      return error(43002);
    }
    if (route.auth) {
      const bad = account.checkToken(req.query.access_token);
      if (bad) {
        return bad;
      }
    }
    // Handlers answer 44002 themselves where a body is required (speed/get may come empty).
    return parseError ? error(47001) : null;
  };

  const api: FakeWechatApi = {
    url: '',
    appId: account.opts.appId,
    appSecret: account.opts.appSecret,
    calls: account.calls,
    get unexpected() {
      return account.calls.filter((call) => call.unexpected);
    },
    callsTo: (path) => account.calls.filter((call) => call.path === path),
    customMessagesFor: (openId) => (account.inboxes.get(openId) ?? []).filter((d) => d.via === 'custom').map((d) => d.body),
    messagesFor: (openId) => [...(account.inboxes.get(openId) ?? [])],
    massJobs: () => [...account.jobs.values()],
    setFan: (openId, patch = {}) => Object.assign(account.fan(openId), patch),
    failNext: (path, errcode, failOptions = {}) => {
      const queue = account.failures.get(path) ?? [];
      queue.push({ errcode, remaining: failOptions.times ?? 1, ...failOptions });
      account.failures.set(path, queue);
    },
    expireToken: () => account.expireAll(),
    pushMassSendJobFinish: async (msgId, counts = {}) => {
      if (!options.callback) {
        throw new Error('startFakeWechatApi: no callback configured, cannot push MASSSENDJOBFINISH');
      }
      const job = account.jobs.get(msgId);
      const delivered = job?.deliveredTo.length ?? 0;
      const full: Required<MassJobFinishCounts> = {
        status: counts.status ?? 'send success',
        totalCount: counts.totalCount ?? job?.openIds.length ?? 0,
        filterCount: counts.filterCount ?? delivered,
        sentCount: counts.sentCount ?? delivered,
        errorCount: counts.errorCount ?? 0,
      };
      if (job && job.status === 'SENDING') {
        job.status = full.status === 'send success' ? 'SEND_SUCCESS' : 'SEND_FAIL';
      }
      const originalId = options.originalId ?? 'gh_fa4e00000000';
      const xml = massFinishXml(originalId, Math.floor(clock.now().getTime() / 1000), msgId, full);
      const { url, token, aesKey } = options.callback;
      let payload = xml;
      let query = signQuery(token);
      if (aesKey) {
        // Safe mode: WeChat sends only the envelope, signed with msg_signature over Encrypt (§4).
        const encrypt = new WechatCrypto({ appId: account.opts.appId, aesKey }).encrypt(xml);
        payload = `<xml><ToUserName><![CDATA[${originalId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
        query = signQuery(token, { encrypt });
      }
      const target = new URL(url);
      for (const [key, value] of Object.entries(query)) {
        target.searchParams.set(key, String(value));
      }
      target.searchParams.set('openid', 'mphelper');
      const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: payload });
      await response.text();
      if (!response.ok) {
        throw new Error(`MASSSENDJOBFINISH push to ${options.callback.url} answered HTTP ${response.status}`);
      }
    },
    reset: () => account.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };

  const control = createControl(api, account);

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = Object.fromEntries(url.searchParams);
      const raw = await readBody(req);
      let body: unknown;
      let parseError = false;
      const isMedia = url.pathname === '/cgi-bin/media/upload';
      if (isMedia) {
        body = raw.length > 0 ? { bytes: raw.length } : undefined;
      } else if (raw.length > 0) {
        try {
          body = parseJsonBody(raw.toString('utf8'));
        } catch {
          parseError = true;
          body = raw.toString('utf8');
        }
      }
      const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname.replace(/\/+$/, '') || '/', query, body };
      if (request.path.startsWith('/__fake/')) {
        await control(request, res);
      } else {
        await answerApi(request, res, parseError);
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) {
        send(res, 500, JSON.stringify({ error: String(err) }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** The `/__fake/` endpoints, so a separate process (the simulator) can watch and steer the fake. */
function createControl(api: FakeWechatApi, account: FakeAccount) {
  return async (req: FakeRequest, res: http.ServerResponse): Promise<void> => {
    const body = isObject(req.body) ? req.body : {};
    const reply = (value: unknown, status = 200): void => send(res, status, JSON.stringify(value));
    switch (`${req.method} ${req.path}`) {
      case 'GET /__fake/messages': {
        const openId = req.query.openid ?? '';
        const since = Number(req.query.since ?? 0) || 0;
        const messages = api.messagesFor(openId).filter((m) => m.index >= since);
        reply({ openid: openId, next: since + messages.length, messages });
        return;
      }
      case 'GET /__fake/calls': {
        const path = req.query.path;
        reply({ calls: path ? api.callsTo(path) : api.calls });
        return;
      }
      case 'GET /__fake/state':
        reply({
          tags: [...account.tags].map(([id, name]) => ({ id, name, members: [...(account.tagMembers.get(id) ?? [])] })),
          fans: [...account.fans.values()],
          massJobs: api
            .massJobs()
            .map(({ deliveredTo, openIds, ...job }) => ({ ...job, total: openIds.length, delivered: deliveredTo.length })),
        });
        return;
      case 'POST /__fake/fail': {
        if (typeof body.path !== 'string' || typeof body.errcode !== 'number') {
          reply({ error: 'need {path, errcode}' }, 400);
          return;
        }
        const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
        api.failNext(body.path, body.errcode, {
          times: num(body.times),
          httpStatus: num(body.httpStatus),
          delayMs: num(body.delayMs),
          errmsg: typeof body.errmsg === 'string' ? body.errmsg : undefined,
        });
        reply({ ok: true });
        return;
      }
      case 'POST /__fake/mass-finish': {
        const msgId = typeof body.msgId === 'string' ? body.msgId : api.massJobs().at(-1)?.msgId;
        if (!msgId) {
          reply({ error: 'no mass job' }, 404);
          return;
        }
        await api.pushMassSendJobFinish(msgId).then(
          () => reply({ ok: true, msgId }),
          (err: unknown) => reply({ error: String(err) }, 502),
        );
        return;
      }
      case 'POST /__fake/expire-token':
        api.expireToken();
        reply({ ok: true });
        return;
      case 'POST /__fake/reset':
        api.reset();
        reply({ ok: true });
        return;
      default:
        reply({ error: `unknown control endpoint ${req.method} ${req.path}` }, 404);
    }
  };
}

/**
 * The public types of the fake WeChat API: its options, what it records and remembers,
 * and the handle `startFakeWechatApi` returns. Tests, the benchmark and the simulator
 * import them through `../fake-wechat-api.ts`; they live apart so every module of the
 * fake can share them without importing the server.
 */
import type { Clock } from '../../lib/clock.js';

/** Options of `startFakeWechatApi`; every field has a working default. */
export interface FakeWechatApiOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  appId?: string;
  appSecret?: string;
  /** The account's original id, used as ToUserName of pushed events. */
  originalId?: string;
  /**
   * Where job results (MASSSENDJOBFINISH, TEMPLATESENDJOBFINISH) are posted and the token that
   * signs them; with `aesKey` the push is encrypted (safe mode). With a callback, every accepted
   * template message is followed by its TEMPLATESENDJOBFINISH, as WeChat does.
   */
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
  via: 'custom' | 'mass' | 'preview' | 'notice';
  body: unknown;
}

/** How `failNext` fails; `errcode` 0 with `delayMs` only slows the real answer down. */
export interface FailOptions {
  times?: number;
  /**
   * Fail every call for this long from now (a sustained outage), however many calls come;
   * `times` is then ignored.
   */
  forMs?: number;
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

/** A temporary media file uploaded through media/upload, kept so its recipient can see it. */
export interface FakeMedia {
  mediaId: string;
  type: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  createdAt: Date;
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
  /** The fan turned off this account's notices: template sends end in `failed:user block`. */
  blocksNotices: boolean;
}

/** A template message (service notice) the fake accepted. */
export interface FakeTemplateSend {
  msgId: string;
  touser: string;
  templateId: string;
  data: Record<string, { value: string }>;
  /** What TEMPLATESENDJOBFINISH reports: `success`, `failed:user block`, `failed: system failed`. */
  status: string;
  at: Date;
}

/** A menu as WeChat stores it: the default one, or a conditional one with its matchrule. */
export interface FakeMenu {
  menuid: string;
  button: unknown[];
  matchrule?: { tag_id: string };
}

/** A parametric QR code: its ticket, what it encodes, and its scene. */
export interface FakeQrCode {
  ticket: string;
  url: string;
  actionName: string;
  sceneStr?: string;
  sceneId?: number;
  expireSeconds?: number;
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
  /** A temporary media file uploaded through media/upload. */
  media(mediaId: string): FakeMedia | undefined;
  massJobs(): FakeMassJob[];
  /** Creates or changes a fan (e.g. `subscribe: false` to simulate an unfollow). */
  setFan(openId: string, patch?: Partial<Omit<FakeFan, 'openId'>>): FakeFan;
  /** The follower whose WeChat opens the web-OAuth authorize page from now on (null: nobody, as outside WeChat). */
  setOAuthOpener(openId: string | null): void;
  failNext(path: string, errcode: number, options?: FailOptions): void;
  /** Expires every issued token: the next API call gets 42001 and stable_token issues a new one. */
  expireToken(): void;
  pushMassSendJobFinish(msgId: string, counts?: MassJobFinishCounts): Promise<void>;
  /** Posts TEMPLATESENDJOBFINISH for a template message (its own status unless `status` is given). */
  pushTemplateSendJobFinish(msgId: string, status?: string): Promise<void>;
  /** Where job results go from now on (a test learns fanhook's port after the fake started). */
  setCallback(callback: NonNullable<FakeWechatApiOptions['callback']>): void;
  /** Limits template/send to these template ids (40037 for others); null accepts any well-formed id. */
  setTemplates(templateIds: readonly string[] | null): void;
  templateSends(): FakeTemplateSend[];
  /** The default menu and the conditional menus made through the API. */
  menus(): { menu: FakeMenu | null; conditional: FakeMenu[] };
  qrCodes(): FakeQrCode[];
  reset(): void;
  close(): Promise<void>;
}

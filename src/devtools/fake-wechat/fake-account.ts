/**
 * The state of the fake account: everything a real WeChat account would remember (tokens,
 * fans, tags, mass jobs, delivered messages, quotas) plus the calls the fake recorded and
 * the failures queued for injection. The route modules (`*-routes.ts`) read and change it;
 * this class only holds it, with the few operations they all share.
 */
import { FIRST_MSG_ID, FIRST_TEMPLATE_MSG_ID, SYSTEM_TAG_ID } from './protocol.js';
import type {
  FakeDelivery,
  FakeFan,
  FakeMassJob,
  FakeMedia,
  FakeMenu,
  FakeQrCode,
  FakeTemplateSend,
  FakeWechatApiOptions,
  RecordedCall,
} from './types.js';

/** An issued access token. */
export interface TokenRecord {
  kind: 'stable' | 'classic';
  expiresAt: number;
  revoked: boolean;
}

/** A failure queued by `failNext` for one path. */
export interface Failure {
  errcode: number;
  remaining: number;
  /** Epoch ms until which every call fails (`forMs`); `remaining` does not count then. */
  until?: number;
  errmsg?: string;
  httpStatus?: number;
  delayMs?: number;
}

/** Everything a real account would remember, plus what the fake recorded. */
export class FakeAccount {
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
  media = new Map<string, FakeMedia>();
  /** Template ids the account chose in the MP backend; null = any well-formed id is accepted. */
  templateIds: Set<string> | null = null;
  templateSends = new Map<string, FakeTemplateSend>();
  nextTemplateMsgId = FIRST_TEMPLATE_MSG_ID;
  /** The default menu made through the API, and the conditional menus by menuid. */
  menu: FakeMenu | null = null;
  conditionalMenus = new Map<string, FakeMenu>();
  nextMenuId = 208379533;
  /** Parametric QR codes by ticket. */
  qrCodes = new Map<string, FakeQrCode>();
  /** Web OAuth (WECHAT.md §16): the follower whose WeChat "opens" the authorize page, and the codes issued. */
  oauthOpener: string | null = null;
  oauthCodes = new Map<string, { openId: string; at: number; used: boolean }>();
  /** Where job results are pushed; set at start or later (`setCallback`), kept across `reset`. */
  callback: FakeWechatApiOptions['callback'];

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
    this.media = new Map();
    this.templateIds = null;
    this.templateSends = new Map();
    this.nextTemplateMsgId = FIRST_TEMPLATE_MSG_ID;
    this.menu = null;
    this.conditionalMenus = new Map();
    this.nextMenuId = 208379533;
    this.qrCodes = new Map();
    this.oauthOpener = null;
    this.oauthCodes = new Map();
  }

  now(): number {
    return this.opts.clock.now().getTime();
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
        blocksNotices: false,
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
}

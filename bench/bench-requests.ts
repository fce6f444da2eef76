/**
 * Signed callback requests for the load generator, built the way WeChat builds them
 * (shared/WECHAT.md §1, §2, §4): plaintext or safe mode, a fresh MsgId per message so every
 * request is a new message (a repeated MsgId would only measure the dedupe path), and the
 * time of building as CreateTime and signature timestamp (a long run stays inside the
 * signature's freshness window when requests are built as it goes).
 */
import { randomInt } from 'node:crypto';
import { WechatCrypto } from '../src/wechat/crypto.js';
import { signQuery } from '../src/wechat/signature.js';

export const BENCH_TOKEN = 'fanhookbenchtoken';
export const BENCH_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const BENCH_ACCOUNT = 'gh_fanhook_bench';

/** What the load generator sends. */
export type Workload =
  /** Text messages from `fans` distinct fans (round robin), the same fans in every run. */
  | { kind: 'text'; fans: number; content: string }
  /** Follow events, each from a fan never seen before. */
  | { kind: 'follow'; scene: string }
  /** Text messages, all from one fan. */
  | { kind: 'hot_fan'; content: string }
  /** A day's mix from `fans` known fans and some new ones: see MIX. */
  | { kind: 'mixed'; fans: number };

export interface RequestBuilderOptions {
  mode: 'plain' | 'safe';
  appId: string;
  workload: Workload;
  /** Distinguishes runs, so openids and MsgIds never collide between runs on one database. */
  runId: string;
}

export interface BuiltRequest {
  path: string;
  body: string;
}

const cdata = (text: string): string => `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** Returns a function producing the i-th request of a run. */
export function requestBuilder(options: RequestBuilderOptions): (index: number) => BuiltRequest {
  const crypto = options.mode === 'safe' ? new WechatCrypto({ appId: options.appId, aesKey: BENCH_AES_KEY }) : undefined;
  // MsgIds are 64-bit decimal strings; a run prefix keeps them unique across runs.
  const msgBase = BigInt(Date.now()) * 1_000_000n;
  const nonceBase = randomInt(100_000_000, 1_000_000_000);
  return (index) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const xml = messageXml(options, index, timestamp, (msgBase + BigInt(index)).toString());
    // A pair is signed for one message only (two runs can start in the same second).
    const nonce = String(nonceBase + index);
    if (!crypto) {
      const q = signQuery(BENCH_TOKEN, { timestamp, nonce });
      return { path: `/wechat?signature=${q.signature}&timestamp=${q.timestamp}&nonce=${q.nonce}`, body: xml };
    }
    const encrypt = crypto.encrypt(xml);
    const q = signQuery(BENCH_TOKEN, { timestamp, nonce, encrypt });
    return {
      path: `/wechat?signature=${q.signature}&timestamp=${q.timestamp}&nonce=${q.nonce}&encrypt_type=aes&msg_signature=${q.msg_signature}`,
      body: `<xml><ToUserName>${cdata(BENCH_ACCOUNT)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`,
    };
  };
}

/**
 * The mixed workload: request i comes from fan i mod fans (one fan's messages arrive one after
 * another, never together) and its kind is that fan's next slot of the cycle: mostly text
 * (keywords, a question the bot cannot answer), menu clicks, a location report, a shared
 * location, an image, follows from new fans. Within a cycle no event repeats for a fan (two in
 * one second would share a dedupe key, as a retry does), and no two unanswerable messages
 * follow each other (that would hand the fan to staff).
 */
const MIX = [
  'text:新品',
  'click:NEW',
  'text:尺码',
  'location-event',
  'text:包邮吗',
  'click:SALE',
  'image',
  'text:谢谢',
  'click:STORE',
  'text:在哪',
  'follow',
  'text:这件有没有黑色',
  'text:优惠券',
  'click:MEMBER',
  'location',
  'text:好的',
  'text:退货',
  'follow',
  'text:防晒',
  'text:新款',
] as const;

function messageXml(options: RequestBuilderOptions, index: number, createTime: number, msgId: string): string {
  const w = options.workload;
  const head = (from: string, type: string): string =>
    `<xml><ToUserName>${cdata(BENCH_ACCOUNT)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${createTime}</CreateTime><MsgType>${cdata(type)}</MsgType>`;
  const text = (from: string, content: string): string =>
    `${head(from, 'text')}<Content>${cdata(content)}</Content><MsgId>${msgId}</MsgId></xml>`;
  const follow = (from: string, scene: string): string =>
    `${head(from, 'event')}<Event>${cdata('subscribe')}</Event><EventKey>${cdata(`qrscene_${scene}`)}</EventKey></xml>`;
  switch (w.kind) {
    case 'text':
      return text(`o_bench_fan_${index % w.fans}`, w.content);
    case 'hot_fan':
      return text(`o_bench_${options.runId}_hot`, w.content);
    case 'follow':
      return follow(`o_bench_${options.runId}_new_${index}`, w.scene);
    case 'mixed': {
      const slot = MIX[Math.floor(index / w.fans) % MIX.length]!;
      const fan = `o_bench_fan_${index % w.fans}`;
      const [kind, arg = ''] = slot.split(':');
      switch (kind) {
        case 'text':
          return text(fan, arg);
        case 'click':
          return `${head(fan, 'event')}<Event>${cdata('CLICK')}</Event><EventKey>${cdata(arg)}</EventKey></xml>`;
        case 'location-event':
          return `${head(fan, 'event')}<Event>${cdata('LOCATION')}</Event><Latitude>30.2592</Latitude><Longitude>120.1654</Longitude><Precision>65.0</Precision></xml>`;
        case 'location':
          return `${head(fan, 'location')}<Location_X>30.2592</Location_X><Location_Y>120.1654</Location_Y><Scale>15</Scale><Label>${cdata('浙江省杭州市上城区东坡路7号')}</Label><MsgId>${msgId}</MsgId></xml>`;
        case 'image':
          return `${head(fan, 'image')}<PicUrl>${cdata('http://mmbiz.qpic.cn/bench.jpg')}</PicUrl><MediaId>${cdata(`media_${msgId}`)}</MediaId><MsgId>${msgId}</MsgId></xml>`;
        default:
          return follow(`o_bench_${options.runId}_new_${index}`, 'store_hz');
      }
    }
  }
}

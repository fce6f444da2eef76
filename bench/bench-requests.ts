/**
 * Signed callback requests for the load generator, built the way WeChat builds them
 * (shared/WECHAT.md §1, §2, §4): plaintext or safe mode, a fresh MsgId per message so every
 * request is a new message (a repeated MsgId would only measure the dedupe path).
 */
import { WechatCrypto } from '../src/wechat/crypto.js';
import { signQuery } from '../src/wechat/signature.js';
import { cdata } from '../src/wechat/reply-xml.js';

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
  | { kind: 'hot_fan'; content: string };

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

/** Returns a function producing the i-th request of a run. */
export function requestBuilder(options: RequestBuilderOptions): (index: number) => BuiltRequest {
  const crypto = options.mode === 'safe' ? new WechatCrypto({ appId: options.appId, aesKey: BENCH_AES_KEY }) : undefined;
  const timestamp = Math.floor(Date.now() / 1000);
  // MsgIds are 64-bit decimal strings; a run prefix keeps them unique across runs.
  const msgBase = BigInt(Date.now()) * 1_000_000n;
  return (index) => {
    const xml = messageXml(options, index, timestamp, (msgBase + BigInt(index)).toString());
    const nonce = String(100_000_000 + index);
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

function messageXml(options: RequestBuilderOptions, index: number, createTime: number, msgId: string): string {
  const w = options.workload;
  const head = (from: string, type: string): string =>
    `<xml><ToUserName>${cdata(BENCH_ACCOUNT)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${createTime}</CreateTime><MsgType>${cdata(type)}</MsgType>`;
  switch (w.kind) {
    case 'text':
      return `${head(`o_bench_fan_${index % w.fans}`, 'text')}<Content>${cdata(w.content)}</Content><MsgId>${msgId}</MsgId></xml>`;
    case 'hot_fan':
      return `${head(`o_bench_${options.runId}_hot`, 'text')}<Content>${cdata(w.content)}</Content><MsgId>${msgId}</MsgId></xml>`;
    case 'follow':
      return `${head(`o_bench_${options.runId}_new_${index}`, 'event')}<Event>${cdata('subscribe')}</Event><EventKey>${cdata(`qrscene_${w.scene}`)}</EventKey></xml>`;
  }
}

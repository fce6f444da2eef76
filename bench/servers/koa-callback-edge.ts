/**
 * The protocol edge the Koa baselines share: read the body, verify the signature (in safe mode
 * also msg_signature, decrypt, and encrypt the reply), parse the XML with fast-xml-parser and
 * answer a text reply — what fanhook does on the edge, minus everything behind it. `handle`
 * is the baseline's own work for one parsed message; it returns the reply text, or undefined
 * to answer `success` (nothing to say, as for a duplicate).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import Koa from 'koa';
import { WechatCrypto } from '../../src/wechat/crypto.js';
import { computeMsgSignature, verifyMsgSignature, verifySignature } from '../../src/wechat/signature.js';
import { BENCH_AES_KEY, BENCH_TOKEN } from '../bench-requests.js';

/** A parsed callback: WeChat's element names to their text. */
export type CallbackMessage = Record<string, string>;

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, processEntities: false });

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const q = (ctx: Koa.Context, key: string): string => String(ctx.query[key] ?? '');

function replyXml(msg: CallbackMessage, text: string): string {
  return (
    `<xml><ToUserName><![CDATA[${msg.FromUserName}]]></ToUserName><FromUserName><![CDATA[${msg.ToUserName}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content></xml>`
  );
}

/** Serves `handle` on a free loopback port and reports the port to the parent over IPC. */
export function serveCallbackEdge(appId: string, handle: (msg: CallbackMessage) => Promise<string | undefined>): void {
  const crypto = new WechatCrypto({ appId, aesKey: BENCH_AES_KEY });
  const app = new Koa();
  app.use(async (ctx) => {
    const signed = { signature: q(ctx, 'signature'), timestamp: q(ctx, 'timestamp'), nonce: q(ctx, 'nonce') };
    if (ctx.method !== 'POST' || !verifySignature(BENCH_TOKEN, signed)) {
      ctx.status = 401;
      return;
    }
    const body = await readBody(ctx.req);
    let inner = body;
    const safe = q(ctx, 'encrypt_type') === 'aes';
    if (safe) {
      const encrypt = String((parser.parse(body) as { xml: { Encrypt: string } }).xml.Encrypt);
      const msgSignature = q(ctx, 'msg_signature');
      if (!verifyMsgSignature(BENCH_TOKEN, { msgSignature, timestamp: signed.timestamp, nonce: signed.nonce, encrypt })) {
        ctx.status = 401;
        return;
      }
      inner = crypto.decrypt(encrypt).message;
    }
    const msg = (parser.parse(inner) as { xml: CallbackMessage }).xml;
    const text = await handle(msg);
    if (text === undefined) {
      ctx.body = 'success';
      return;
    }
    ctx.type = 'application/xml';
    const reply = replyXml(msg, text);
    if (!safe) {
      ctx.body = reply;
      return;
    }
    const encrypt = crypto.encrypt(reply);
    const nonce = randomBytes(4).readUInt32BE(0).toString();
    const sig = computeMsgSignature(BENCH_TOKEN, signed.timestamp, nonce, encrypt);
    ctx.body = `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${sig}]]></MsgSignature><TimeStamp>${signed.timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`;
  });
  const server = http.createServer(app.callback());
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
}

/**
 * The key WeChat's retries share (WECHAT.md §3.1): the MsgId of a message, else sender,
 * CreateTime, event and event key of an event.
 */
export function dedupeKeyOf(msg: CallbackMessage): string {
  return msg.MsgId ? `m:${msg.MsgId}` : `e:${msg.FromUserName}|${msg.CreateTime}|${msg.Event ?? ''}|${msg.EventKey ?? ''}`;
}

/** The reply every baseline gives, so their answers weigh the same on the wire. */
export function baselineReply(msg: CallbackMessage): string {
  return `收到：${msg.Content ?? msg.EventKey ?? msg.MsgType ?? ''}`;
}

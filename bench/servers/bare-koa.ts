/**
 * Baseline 2: bare Koa + fast-xml-parser. It reads the body, verifies the signature (and in
 * safe mode msg_signature, decrypts and encrypts the reply), parses the XML and answers a
 * text reply — everything fanhook does on the protocol edge, but it stores nothing.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import Koa from 'koa';
import { WechatCrypto } from '../../src/wechat/crypto.js';
import { computeMsgSignature, verifyMsgSignature, verifySignature } from '../../src/wechat/signature.js';
import { BENCH_AES_KEY, BENCH_TOKEN } from '../bench-requests.js';

const appId = process.argv[2] ?? 'wx0000000000000000';
const crypto = new WechatCrypto({ appId, aesKey: BENCH_AES_KEY });
const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, processEntities: false });

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const q = (ctx: Koa.Context, key: string): string => String(ctx.query[key] ?? '');

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
    if (
      !verifyMsgSignature(BENCH_TOKEN, { msgSignature: q(ctx, 'msg_signature'), timestamp: signed.timestamp, nonce: signed.nonce, encrypt })
    ) {
      ctx.status = 401;
      return;
    }
    inner = crypto.decrypt(encrypt).message;
  }
  const msg = (parser.parse(inner) as { xml: Record<string, string> }).xml;
  const reply =
    `<xml><ToUserName><![CDATA[${msg.FromUserName}]]></ToUserName><FromUserName><![CDATA[${msg.ToUserName}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到：${msg.Content ?? ''}]]></Content></xml>`;
  ctx.type = 'application/xml';
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

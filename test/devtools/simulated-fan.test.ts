import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeReply, parseReplyXml, SimulatedFan } from '../../src/devtools/simulated-fan.js';
import { WechatCrypto } from '../../src/wechat/crypto.js';
import { computeMsgSignature, verifyMsgSignature, verifySignature } from '../../src/wechat/signature.js';
import { parseInboundXml } from '../../src/wechat/inbound-xml.js';
import { buildEncryptedReplyXml, buildReplyXml } from '../../src/wechat/reply-xml.js';
import { parseEncryptedEnvelope } from '../../src/wechat/xml-parse.js';

const TOKEN = 'simtoken';
const APP_ID = 'wx1234567890abcdef';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const crypto = new WechatCrypto({ appId: APP_ID, aesKey: AES_KEY });

interface Captured {
  query: Record<string, string>;
  body: string;
}
let captured: Captured[] = [];
/** What the echo server answers next, given the request. */
let answer: (request: Captured) => string = () => 'success';
let server: http.Server;
let url = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const request = { query: Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams), body };
      captured.push(request);
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(answer(request));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  captured = [];
  answer = () => 'success';
});

const envelope = { toUserName: 'oFAN1', fromUserName: 'gh_sim', createTime: 1_700_000_000 };

describe('SimulatedFan in plain mode', () => {
  it('should sign the query so that verifySignature accepts it, and send a parsable text message', async () => {
    const fan = new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1' });
    const result = await fan.sendText('你好 <b>&');
    const [request] = captured;
    const query = request?.query ?? {};
    expect(verifySignature(TOKEN, { signature: query.signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '' })).toBe(
      true,
    );
    expect(query.encrypt_type).toBeUndefined();
    expect(query.openid).toBe('oFAN1');
    const message = parseInboundXml(request?.body ?? '');
    expect(message).toMatchObject({ kind: 'text', content: '你好 <b>&', fromUserName: 'oFAN1' });
    expect(BigInt(message.msgId ?? '0') > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(result).toMatchObject({ status: 200, replyXml: 'success', reply: null, encrypted: false });
    expect(describeReply(result.reply)).toBe('(no passive reply)');
  });

  it('should not verify with another token', async () => {
    await new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1' }).click('MENU_A');
    const query = captured[0]?.query ?? {};
    expect(verifySignature('other', { signature: query.signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '' })).toBe(
      false,
    );
  });

  it('should build follow-with-scene, location and click events WeChat would send', async () => {
    const fan = new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1' });
    await fan.follow('store_hz');
    await fan.location(30.27, 120.15, '杭州西湖');
    fan.openId = 'oADMIN1';
    await fan.click('MENU_A');
    const [follow, location, click] = captured.map((c) => parseInboundXml(c.body));
    expect(follow).toMatchObject({ kind: 'subscribe', scene: 'store_hz', eventKey: 'qrscene_store_hz' });
    expect(location).toMatchObject({ kind: 'location', latitude: 30.27, longitude: 120.15, label: '杭州西湖' });
    expect(click).toMatchObject({ kind: 'menu_click', eventKey: 'MENU_A', fromUserName: 'oADMIN1' });
  });

  it('should parse a plain passive reply', async () => {
    answer = () => buildReplyXml({ type: 'text', content: '欢迎 ]]> 光临' }, envelope);
    const result = await new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1' }).sendText('hi');
    expect(result.reply).toMatchObject({ MsgType: 'text', Content: '欢迎 ]]> 光临', CreateTime: '1700000000' });
    expect(describeReply(result.reply)).toBe('欢迎 ]]> 光临');
  });
});

describe('SimulatedFan in safe mode', () => {
  it('should encrypt the body and sign it with msg_signature over Encrypt', async () => {
    const fan = new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1', aesKey: AES_KEY, appId: APP_ID });
    expect(fan.mode).toBe('safe');
    await fan.sendText('secret');
    const request = captured[0] ?? { query: {}, body: '' };
    const { query } = request;
    const { encrypt } = parseEncryptedEnvelope(request.body);
    expect(query.encrypt_type).toBe('aes');
    expect(
      verifyMsgSignature(TOKEN, {
        msgSignature: query.msg_signature ?? '',
        timestamp: query.timestamp ?? '',
        nonce: query.nonce ?? '',
        encrypt,
      }),
    ).toBe(true);
    expect(verifySignature(TOKEN, { signature: query.signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '' })).toBe(
      true,
    );
    // Safe mode: nothing but ToUserName and Encrypt travels in the clear.
    expect(request.body).not.toContain('secret');
    expect(parseInboundXml(crypto.decrypt(encrypt).message)).toMatchObject({ kind: 'text', content: 'secret' });
  });

  it('should keep the plain fields next to Encrypt in compatible mode', async () => {
    await new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1', aesKey: AES_KEY, appId: APP_ID, mode: 'compatible' }).sendText('both');
    const body = captured[0]?.body ?? '';
    expect(parseInboundXml(body)).toMatchObject({ kind: 'text', content: 'both' });
    expect(crypto.decrypt(parseEncryptedEnvelope(body).encrypt).message).toContain('both');
  });

  it('should decrypt an encrypted reply and check its MsgSignature', async () => {
    answer = (request) => {
      const encrypt = crypto.encrypt(
        buildReplyXml({ type: 'news', articles: [{ title: '新品', description: '上新了', url: 'https://shop.example/new' }] }, envelope),
      );
      const timestamp = request.query.timestamp ?? '0';
      const nonce = 'replynonce';
      return buildEncryptedReplyXml({ encrypt, msgSignature: computeMsgSignature(TOKEN, timestamp, nonce, encrypt), timestamp, nonce });
    };
    const result = await new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1', aesKey: AES_KEY, appId: APP_ID }).sendText('news?');
    expect(result.encrypted).toBe(true);
    expect(result.signatureValid).toBe(true);
    expect(result.replyXml).toContain('<MsgType><![CDATA[news]]></MsgType>');
    expect(describeReply(result.reply)).toBe('[图文] 新品 — 上新了 <https://shop.example/new>');
  });

  it('should refuse safe mode without an AppID', () => {
    expect(() => new SimulatedFan({ url, token: TOKEN, openId: 'oFAN1', aesKey: AES_KEY })).toThrow(/aesKey and appId/);
  });
});

describe('parseReplyXml', () => {
  it('should return null for success and an empty body', () => {
    expect(parseReplyXml('success')).toBeNull();
    expect(parseReplyXml('')).toBeNull();
  });
});

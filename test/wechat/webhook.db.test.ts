import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { getInteractionModel } from '../../src/interactions/interaction-model.js';
import { computeMsgSignature, signQuery } from '../../src/wechat/signature.js';
import { buildTextXml, nextMsgId, toXml } from '../builders/inbound.js';
import { useTestDb } from '../support/db.js';
import { startHarness, TEST_ACCOUNT, TEST_TOKEN, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
});
afterAll(async () => {
  await app?.close();
});

const post = (body: string, query: Record<string, string> = { ...signQuery(TEST_TOKEN) }, headers: Record<string, string> = {}) => {
  const url = new URL(app.callbackUrl);
  for (const [k, v] of Object.entries(query)) {
    url.searchParams.set(k, v);
  }
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml', ...headers } });
};
const interactionsOf = (openId: string) => getInteractionModel(app.connection).find({ openId }).lean();

describe('GET /wechat (URL verification)', () => {
  it('echoes echostr when the signature matches', async () => {
    const query = new URLSearchParams({ ...signQuery(TEST_TOKEN), echostr: '4375120948345356249' });
    const response = await fetch(`${app.callbackUrl}?${query}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('4375120948345356249');
  });

  it('answers 401 and does not echo when the signature is wrong', async () => {
    const query = new URLSearchParams({ ...signQuery('another-token'), echostr: 'secret-echo' });
    const response = await fetch(`${app.callbackUrl}?${query}`);
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('secret-echo');
  });
});

describe('POST /wechat (plaintext)', () => {
  it("welcomes a fan who follows through a store QR code with that store's text and records the follow", async () => {
    const fan = app.fan('oFollowViaStoreQr');
    const result = await fan.follow('store_hz');
    expect(result.status).toBe(200);
    expect(result.reply).toMatchObject({ MsgType: 'text', ToUserName: 'oFollowViaStoreQr', FromUserName: TEST_ACCOUNT });
    expect(String(result.reply?.['Content'])).toContain('杭州湖滨店');
    const stored = await getFanModel(app.connection).findOne({ openId: 'oFollowViaStoreQr' }).lean();
    expect(stored?.subscribed).toBe(true);
    expect(await interactionsOf('oFollowViaStoreQr')).toHaveLength(1);
  });

  it('answers a text it cannot handle with the fallback and opens the customer-service window', async () => {
    const fan = app.fan('oAsksSomething');
    const result = await fan.sendText('你们周末营业吗？');
    expect(result.reply?.['MsgType']).toBe('text');
    expect(String(result.reply?.['Content'])).toContain('抱歉');
    const stored = await getFanModel(app.connection).findOne({ openId: 'oAsksSomething' }).lean();
    expect(stored?.csWindow.messageAt).toBeInstanceOf(Date);
    expect(stored?.csWindow.messageUsed).toBe(0);
  });

  it('stores an unknown message type and answers success, never an error', async () => {
    const fan = app.fan('oSendsSomethingNew');
    const result = await fan.message('hologram', { Payload: 'x' });
    expect(result.status).toBe(200);
    expect(result.replyXml).toBe('success');
    const [interaction] = await interactionsOf('oSendsSomethingNew');
    expect(interaction).toMatchObject({ kind: 'unknown', msgType: 'hologram', status: 'done' });
    expect(interaction?.payload).toMatchObject({ Payload: 'x' });
  });

  it('refuses a POST with a bad signature with 401 and stores nothing', async () => {
    const body = buildTextXml({ fromUserName: 'oForged', content: 'hi' });
    const response = await post(body, { ...signQuery(TEST_TOKEN), signature: '0'.repeat(40) });
    expect(response.status).toBe(401);
    expect(await interactionsOf('oForged')).toHaveLength(0);
    expect(await getFanModel(app.connection).countDocuments({ openId: 'oForged' })).toBe(0);
  });

  it('refuses a replayed request signed long ago', async () => {
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const response = await post(buildTextXml({ fromUserName: 'oReplay', content: 'hi' }), { ...signQuery(TEST_TOKEN, { timestamp: old }) });
    expect(response.status).toBe(401);
    expect(await interactionsOf('oReplay')).toHaveLength(0);
  });

  it.each([
    ['malformed XML', '<xml><ToUserName>gh</ToUserName><FromUserName>oBad1', 400],
    [
      'a DOCTYPE with entities',
      `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaa">]><xml><ToUserName>gh</ToUserName><FromUserName>oBad1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&a;</Content><MsgId>1</MsgId></xml>`,
      400,
    ],
    [
      'a missing FromUserName',
      '<xml><ToUserName>gh</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>',
      400,
    ],
    ['JSON instead of XML', '{"FromUserName":"oBad1"}', 400],
  ])('answers %s with a 4xx and stores nothing', async (_name, body, status) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(await interactionsOf('oBad1')).toHaveLength(0);
    expect(await getFanModel(app.connection).countDocuments({ openId: 'oBad1' })).toBe(0);
  });

  it('refuses an oversize body with 413 and stores nothing', async () => {
    const body = buildTextXml({ fromUserName: 'oHuge', content: 'x'.repeat(300 * 1024) });
    const response = await post(body);
    expect(response.status).toBe(413);
    expect(await interactionsOf('oHuge')).toHaveLength(0);
  });
});

describe('retries of the same message', () => {
  it('processes concurrent deliveries once and gives every delivery the same reply', async () => {
    const msgId = nextMsgId();
    const body = buildTextXml({ fromUserName: 'oImpatient', content: '在吗', msgId });
    const responses = await Promise.all([0, 1, 2, 3].map(() => post(body)));
    const texts = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const contents = texts.map((t) => /<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(t)?.[1]);
    expect(new Set(contents).size).toBe(1);
    expect(contents[0]).toContain('抱歉');
    expect(await interactionsOf('oImpatient')).toHaveLength(1);
    const fan = await getFanModel(app.connection).findOne({ openId: 'oImpatient' }).lean();
    expect(fan?.counts?.['text'] ?? 1).toBe(1);

    // A late retry (after the first one finished) still gets the same reply.
    const late = await (await post(body)).text();
    expect(late).toContain(contents[0]!);
  });

  it('gives a retry the reply stored by an older fanhook, whose interactions had random ids', async () => {
    // Stored as before interaction ids were derived from the dedupe key (an upgrade mid-retry).
    const msgId = nextMsgId();
    const now = new Date();
    await getInteractionModel(app.connection).create({
      _id: new Types.ObjectId(),
      dedupeKey: `msg:${msgId}`,
      openId: 'oAcrossUpgrade',
      kind: 'text',
      msgType: 'text',
      sentAt: now,
      receivedAt: now,
      payload: {},
      status: 'done',
      reply: { type: 'text', content: '升级前的回复' },
      replyMode: 'passive',
    });

    const retry = await (await post(buildTextXml({ fromUserName: 'oAcrossUpgrade', content: '在吗', msgId }))).text();

    expect(retry).toContain('升级前的回复');
    expect(await interactionsOf('oAcrossUpgrade')).toHaveLength(1);
  });

  it('dedupes events without MsgId by sender, time, event and key', async () => {
    const createTime = Math.floor(Date.now() / 1000);
    const body = toXml({
      ToUserName: TEST_ACCOUNT,
      FromUserName: 'oClicker',
      CreateTime: createTime,
      MsgType: 'event',
      Event: 'CLICK',
      EventKey: 'MENU_NEW',
    });
    const other = toXml({
      ToUserName: TEST_ACCOUNT,
      FromUserName: 'oClicker',
      CreateTime: createTime,
      MsgType: 'event',
      Event: 'CLICK',
      EventKey: 'MENU_SIZE',
    });
    await Promise.all([post(body), post(body), post(other)]);
    const stored = await interactionsOf('oClicker');
    expect(stored.map((i) => i.payload['EventKey']).sort()).toEqual(['MENU_NEW', 'MENU_SIZE']);
  });
});

describe('POST /wechat (safe and compatible modes)', () => {
  let secure: Harness;
  beforeAll(async () => {
    secure = await startHarness({ dbUri: db.uri, aes: true, fake: app.fake });
  });
  afterAll(async () => {
    await secure?.close();
  });

  it('decrypts a safe-mode message and answers with an encrypted, correctly signed reply', async () => {
    const result = await secure.fan('oSafeFan', 'safe').sendText('你好');
    expect(result.status).toBe(200);
    expect(result.encrypted).toBe(true);
    expect(result.signatureValid).toBe(true);
    expect(result.reply).toMatchObject({ MsgType: 'text', ToUserName: 'oSafeFan' });
  });

  it('handles compatible mode (plaintext fields plus Encrypt) through the encrypted path', async () => {
    const result = await secure.fan('oCompatFan', 'compatible').follow();
    expect(result.encrypted).toBe(true);
    expect(String(result.reply?.['Content'])).toContain('欢迎关注');
  });

  it('rejects a safe-mode message whose msg_signature does not cover the ciphertext', async () => {
    const encrypt = 'rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k';
    const query = { ...signQuery(TEST_TOKEN), encrypt_type: 'aes', msg_signature: computeMsgSignature(TEST_TOKEN, '1', '2', encrypt) };
    const url = new URL(secure.callbackUrl);
    for (const [k, v] of Object.entries(query)) {
      url.searchParams.set(k, v);
    }
    const response = await fetch(url, {
      method: 'POST',
      body: `<xml><ToUserName>${TEST_ACCOUNT}</ToUserName><Encrypt>${encrypt}</Encrypt></xml>`,
    });
    expect(response.status).toBe(401);
  });

  it('rejects ciphertext encrypted for another AppID with 400 and stores nothing', async () => {
    const { WechatCrypto } = await import('../../src/wechat/crypto.js');
    const foreign = new WechatCrypto({ appId: 'wxffffffffffffffff', aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
    const encrypt = foreign.encrypt(buildTextXml({ fromUserName: 'oForeignApp', content: 'hi' }));
    const query = signQuery(TEST_TOKEN, { encrypt });
    const url = new URL(secure.callbackUrl);
    for (const [k, v] of Object.entries(query)) {
      url.searchParams.set(k, String(v));
    }
    const response = await fetch(url, {
      method: 'POST',
      body: `<xml><ToUserName>${TEST_ACCOUNT}</ToUserName><Encrypt>${encrypt}</Encrypt></xml>`,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('AppID');
    expect(await interactionsOf('oForeignApp')).toHaveLength(0);
  });
});

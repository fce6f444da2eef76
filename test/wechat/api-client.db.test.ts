import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CustomerServiceSender, OutOfWindowError } from '../../src/customer-service/send-customer-message.js';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { NetworkError, WechatApiError } from '../../src/errors.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { AccessTokenStore } from '../../src/wechat/access-token-store.js';
import { WechatApiClient } from '../../src/wechat/api-client.js';
import { textReply } from '../../src/wechat/reply.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
let fake: FakeWechatApi;
const extraConnections: Connection[] = [];

/** One "instance": its own connection to the shared database, token store and client. */
async function instance(): Promise<WechatApiClient> {
  const connection = await mongoose.createConnection(db.uri).asPromise();
  extraConnections.push(connection);
  const api = new WechatApiClient({
    baseUrl: fake.url,
    appId: fake.appId,
    appSecret: fake.appSecret,
    logger: silentLogger,
    clock: systemClock,
    backoffMs: 5,
  });
  api.useTokenStore(
    new AccessTokenStore(connection, {
      appId: fake.appId,
      fetchToken: () => api.fetchStableToken(),
      clock: systemClock,
      logger: silentLogger,
    }),
  );
  return api;
}

beforeAll(async () => {
  fake = await startFakeWechatApi();
});
beforeEach(async () => {
  fake.reset();
  await db.connection.collection('wechat_tokens').deleteMany({});
});
afterAll(async () => {
  await Promise.all(extraConnections.map((c) => c.close()));
  await fake?.close();
});

describe('the shared access_token', () => {
  it('is fetched once for two instances on one database, however many calls race for it', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const calls = [a, b].flatMap((api) => Array.from({ length: 10 }, () => api.get('/cgi-bin/user/get', { query: { next_openid: '' } })));
    await Promise.all(calls);
    expect(fake.callsTo('/cgi-bin/stable_token')).toHaveLength(1);
    expect(fake.callsTo('/cgi-bin/user/get')).toHaveLength(20);
  });

  it('refreshes once and retries once when WeChat says the token expired (42001)', async () => {
    const api = await instance();
    await api.get('/cgi-bin/user/get');
    fake.expireToken();
    await expect(api.get('/cgi-bin/user/get')).resolves.toMatchObject({ total: expect.any(Number) });
    expect(fake.callsTo('/cgi-bin/stable_token')).toHaveLength(2);
    expect(fake.callsTo('/cgi-bin/user/get').map((c) => c.errcode)).toEqual([0, 42001, 0]);
  });

  it('gives up after one retry when the token keeps being refused (no loop)', async () => {
    const api = await instance();
    fake.failNext('/cgi-bin/user/get', 40001, { times: 5 });
    await expect(api.get('/cgi-bin/user/get')).rejects.toMatchObject({ errcode: 40001 });
    expect(fake.callsTo('/cgi-bin/user/get')).toHaveLength(2);
  });

  it('reports a wrong AppSecret clearly', async () => {
    const connection = await mongoose.createConnection(db.uri).asPromise();
    extraConnections.push(connection);
    const api = new WechatApiClient({
      baseUrl: fake.url,
      appId: fake.appId,
      appSecret: 'wrongsecret00000000000000000000',
      logger: silentLogger,
      clock: systemClock,
    });
    api.useTokenStore(
      new AccessTokenStore(connection, {
        appId: fake.appId,
        fetchToken: () => api.fetchStableToken(),
        clock: systemClock,
        logger: silentLogger,
      }),
    );
    await expect(api.get('/cgi-bin/user/get')).rejects.toMatchObject({ errcode: 40125, path: '/cgi-bin/stable_token' });
  });
});

describe('errors and backoff', () => {
  it('backs off and retries an idempotent call on -1 (system busy)', async () => {
    const api = await instance();
    fake.failNext('/cgi-bin/user/get', -1, { times: 2 });
    await expect(api.get('/cgi-bin/user/get', { idempotent: true })).resolves.toMatchObject({ total: expect.any(Number) });
    expect(fake.callsTo('/cgi-bin/user/get')).toHaveLength(3);
  });

  it('does not retry a customer-service send on -1, since it could be delivered twice', async () => {
    const api = await instance();
    fake.failNext('/cgi-bin/message/custom/send', -1);
    const body = { touser: 'oNoDouble', msgtype: 'text', text: { content: 'hi' } };
    await expect(api.post('/cgi-bin/message/custom/send', body)).rejects.toBeInstanceOf(WechatApiError);
    expect(fake.callsTo('/cgi-bin/message/custom/send')).toHaveLength(1);
  });

  it('retries an idempotent call after an HTTP 5xx, and surfaces a NetworkError when it persists', async () => {
    const api = await instance();
    fake.failNext('/cgi-bin/user/get', -1, { httpStatus: 502, times: 3 });
    await expect(api.get('/cgi-bin/user/get', { idempotent: true })).rejects.toBeInstanceOf(NetworkError);
    expect(fake.callsTo('/cgi-bin/user/get')).toHaveLength(3);
  });

  it('pauses calls to an API after its daily quota is reached (45009) instead of hammering it', async () => {
    const api = await instance();
    fake.failNext('/cgi-bin/user/get', 45009);
    await expect(api.get('/cgi-bin/user/get')).rejects.toMatchObject({ errcode: 45009 });
    await expect(api.get('/cgi-bin/user/get')).rejects.toMatchObject({ errcode: 45009 });
    expect(fake.callsTo('/cgi-bin/user/get')).toHaveLength(1);
  });

  it('keeps 64-bit mass-send msg_ids exact', async () => {
    const api = await instance();
    const result = await api.post<{ msg_id: string }>('/cgi-bin/message/mass/send', {
      touser: ['oA', 'oB'],
      msgtype: 'text',
      text: { content: 'x' },
      clientmsgid: 'bigint-test',
    });
    const raw = fake.callsTo('/cgi-bin/message/mass/send')[0]?.response as { msg_id?: unknown } | undefined;
    expect(typeof result.msg_id).toBe('string');
    expect(BigInt(result.msg_id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(String(raw?.msg_id)).toBe(result.msg_id);
  });
});

describe('customer-service messages and the 48-hour window', () => {
  const openFanWindow = async (openId: string, messageAt: Date, used = 0) => {
    await getFanModel(db.connection).updateOne(
      { openId },
      {
        $set: {
          subscribed: true,
          firstSeenAt: messageAt,
          lastSeenAt: messageAt,
          'csWindow.messageAt': messageAt,
          'csWindow.messageUsed': used,
          'csWindow.triggerUsed': 0,
        },
      },
      { upsert: true },
    );
  };
  const sender = async () =>
    new CustomerServiceSender({ connection: db.connection, api: await instance(), clock: systemClock, logger: silentLogger });

  it('refuses without calling WeChat when the fan has not written within 48 hours', async () => {
    await openFanWindow('oQuietFan', new Date(Date.now() - 49 * 3600_000));
    await expect((await sender()).send('oQuietFan', textReply('hi'))).rejects.toMatchObject({ code: 'window_closed' });
    expect(fake.callsTo('/cgi-bin/message/custom/send')).toHaveLength(0);
  });

  it('sends at most 5 messages per fan message, even when the sends race', async () => {
    await openFanWindow('oChattyFan', new Date());
    const cs = await sender();
    const results = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => cs.send('oChattyFan', textReply(`第${i + 1}条`))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.map((r) => (r.reason as OutOfWindowError).code)).toEqual(['allowance_used', 'allowance_used']);
    expect(fake.customMessagesFor('oChattyFan')).toHaveLength(5);
    expect(await cs.remainingAllowance('oChattyFan')).toBe(0);
  });

  it('closes the window when WeChat answers 45015 and reports it', async () => {
    await openFanWindow('oUnfollowedFan', new Date());
    fake.failNext('/cgi-bin/message/custom/send', 45015);
    const cs = await sender();
    await expect(cs.send('oUnfollowedFan', textReply('hi'))).rejects.toMatchObject({ errcode: 45015 });
    expect(await cs.remainingAllowance('oUnfollowedFan')).toBe(0);
  });

  it('gives the allowance back when WeChat refuses the content itself', async () => {
    await openFanWindow('oLongText', new Date());
    fake.failNext('/cgi-bin/message/custom/send', 45002);
    const cs = await sender();
    await expect(cs.send('oLongText', textReply('很长'))).rejects.toMatchObject({ errcode: 45002 });
    expect(await cs.remainingAllowance('oLongText')).toBe(5);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { ManualClock } from '../../src/lib/clock.js';
import { verifySignature } from '../../src/wechat/signature.js';

let fake: FakeWechatApi;
let clock: ManualClock;

interface Raw {
  status: number;
  text: string;
  json: Record<string, unknown>;
}

async function request(path: string, init: { method?: string; body?: unknown; query?: Record<string, string> } = {}): Promise<Raw> {
  const url = new URL(path, fake.url);
  for (const [key, value] of Object.entries(init.query ?? {})) {
    url.searchParams.set(key, value);
  }
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // non-JSON gateway page
  }
  return { status: response.status, text, json };
}

async function stableToken(extra: Record<string, unknown> = {}): Promise<Raw> {
  return request('/cgi-bin/stable_token', {
    body: { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret, ...extra },
  });
}

async function token(): Promise<string> {
  return String((await stableToken()).json.access_token);
}

async function api(path: string, body?: unknown, query: Record<string, string> = {}): Promise<Raw> {
  return request(path, { body, query: { access_token: await token(), ...query } });
}

const text = (touser: unknown, content = 'hi') => ({ touser, msgtype: 'text', text: { content } });

beforeEach(async () => {
  clock = new ManualClock(new Date('2026-03-10T02:00:00Z'));
  fake = await startFakeWechatApi({ clock });
});

afterEach(async () => {
  await fake.close();
});

describe('fake WeChat API: tokens', () => {
  it('should return the same stable token while it is valid, with expires_in 7200', async () => {
    const first = await stableToken();
    const second = await stableToken();
    expect(first.json.expires_in).toBe(7200);
    expect(second.json.access_token).toBe(first.json.access_token);
  });

  it('should reject a wrong secret with 40125 and a wrong appid with 40013', async () => {
    expect((await stableToken({ secret: 'nope' })).json.errcode).toBe(40125);
    expect((await stableToken({ appid: 'wxother' })).json.errcode).toBe(40013);
    expect((await stableToken({ grant_type: 'password' })).json.errcode).toBe(40002);
  });

  it('should invalidate the old token with 40001 after force_refresh', async () => {
    const old = await token();
    const fresh = String((await stableToken({ force_refresh: true })).json.access_token);
    expect(fresh).not.toBe(old);
    const withOld = await request('/cgi-bin/tags/get', { query: { access_token: old } });
    expect(withOld.json.errcode).toBe(40001);
    const withNew = await request('/cgi-bin/tags/get', { query: { access_token: fresh } });
    expect(withNew.json.tags).toBeDefined();
  });

  it('should answer 42001 after expireToken and issue a new stable token', async () => {
    const old = await token();
    fake.expireToken();
    expect((await request('/cgi-bin/tags/get', { query: { access_token: old } })).json.errcode).toBe(42001);
    const fresh = await token();
    expect(fresh).not.toBe(old);
    expect((await request('/cgi-bin/tags/get', { query: { access_token: fresh } })).json.errcode).toBeUndefined();
  });

  it('should expire tokens after 7200 s of clock time and rotate in the last 5 minutes', async () => {
    const old = await token();
    clock.advance(7000 * 1000);
    const rotated = await stableToken();
    expect(rotated.json.access_token).not.toBe(old);
    expect(rotated.json.expires_in).toBe(7200);
    expect((await request('/cgi-bin/tags/get', { query: { access_token: old } })).json.errcode).toBeUndefined();
    clock.advance(200 * 1000);
    expect((await request('/cgi-bin/tags/get', { query: { access_token: old } })).json.errcode).toBe(42001);
  });

  it('should answer 41001 without a token and 40001 for an unknown one', async () => {
    expect((await request('/cgi-bin/tags/get')).json.errcode).toBe(41001);
    expect((await request('/cgi-bin/tags/get', { query: { access_token: 'forged' } })).json.errcode).toBe(40001);
  });

  it('should issue a new classic token on every /cgi-bin/token call', async () => {
    const query = { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret };
    const a = await request('/cgi-bin/token', { query });
    const b = await request('/cgi-bin/token', { query });
    expect(a.json.access_token).not.toBe(b.json.access_token);
    expect(fake.callsTo('/cgi-bin/token')[0]?.query.secret).toBe('***');
  });
});

describe('fake WeChat API: customer-service messages', () => {
  it('should record successful custom sends per openid and redact the access_token', async () => {
    expect((await api('/cgi-bin/message/custom/send', text('oFAN1', 'one'))).json).toEqual({ errcode: 0, errmsg: 'ok' });
    await api('/cgi-bin/message/custom/send', text('oFAN2', 'other'));
    await api('/cgi-bin/message/custom/send', text('oFAN1', 'two'));
    expect(fake.customMessagesFor('oFAN1')).toEqual([text('oFAN1', 'one'), text('oFAN1', 'two')]);
    const call = fake.callsTo('/cgi-bin/message/custom/send')[0];
    expect(call?.query.access_token).toBe('***');
    expect(call?.errcode).toBe(0);
  });

  it('should reject a bad msgtype with 40008 and a bad body shape with 47001', async () => {
    expect((await api('/cgi-bin/message/custom/send', { touser: 'oFAN1', msgtype: 'fax' })).json.errcode).toBe(40008);
    expect((await api('/cgi-bin/message/custom/send', { touser: 'oFAN1', msgtype: 'text' })).json.errcode).toBe(47001);
    expect((await api('/cgi-bin/message/custom/send', '{not json')).json.errcode).toBe(47001);
    const twoArticles = { touser: 'oFAN1', msgtype: 'news', news: { articles: [{ title: 'a' }, { title: 'b' }] } };
    expect((await api('/cgi-bin/message/custom/send', twoArticles)).json.errcode).toBe(45008);
    expect(fake.customMessagesFor('oFAN1')).toEqual([]);
  });

  it('should answer 45015 to a fan who unfollowed', async () => {
    fake.setFan('oGONE', { subscribe: false });
    expect((await api('/cgi-bin/message/custom/send', text('oGONE'))).json.errcode).toBe(45015);
  });
});

describe('fake WeChat API: failNext', () => {
  it('should fail the next calls to a path the given number of times, then answer normally', async () => {
    fake.failNext('/cgi-bin/message/custom/send', 45047, { times: 2 });
    expect((await api('/cgi-bin/message/custom/send', text('oFAN1'))).json).toEqual({
      errcode: 45047,
      errmsg: 'out of response count limit',
    });
    expect((await api('/cgi-bin/message/custom/send', text('oFAN1'))).json.errcode).toBe(45047);
    expect((await api('/cgi-bin/message/custom/send', text('oFAN1'))).json.errcode).toBe(0);
    expect(fake.customMessagesFor('oFAN1')).toHaveLength(1);
  });

  it('should answer a gateway error page for an HTTP 5xx and honour delayMs', async () => {
    fake.failNext('/cgi-bin/tags/get', -1, { httpStatus: 502 });
    const failed = await api('/cgi-bin/tags/get');
    expect(failed.status).toBe(502);
    fake.failNext('/cgi-bin/tags/get', 0, { delayMs: 120 });
    const started = Date.now();
    const slow = await api('/cgi-bin/tags/get');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(slow.json.tags).toBeDefined();
  });
});

describe('fake WeChat API: mass send', () => {
  const mass = (touser: string[], clientmsgid?: string, content = 'news') => ({ touser, msgtype: 'text', text: { content }, clientmsgid });

  it('should reject OpenID lists of fewer than 2 or more than 10,000 with 40032', async () => {
    const one = await api('/cgi-bin/message/mass/send', mass(['oFAN1'], 'a'));
    expect(one.json).toEqual({ errcode: 40032, errmsg: 'invalid openid list size' });
    const many = Array.from({ length: 10001 }, (_, i) => `oF${i}`);
    expect((await api('/cgi-bin/message/mass/send', mass(many, 'b'))).json.errcode).toBe(40032);
  });

  it('should reject a clientmsgid over 64 bytes with 45067', async () => {
    const long = '群'.repeat(22); // 66 bytes in UTF-8, only 22 characters
    expect((await api('/cgi-bin/message/mass/send', mass(['oA', 'oB'], long))).json.errcode).toBe(45067);
  });

  it('should emit msg_id above 2^53 unrounded in the raw JSON text', async () => {
    const sent = await api('/cgi-bin/message/mass/send', mass(['oA', 'oB'], 'batch-1'));
    expect(sent.text).toMatch(/"msg_id":3147483652000000001[,}]/);
    expect(fake.massJobs()[0]?.msgId).toBe('3147483652000000001');
    expect(fake.callsTo('/cgi-bin/message/mass/send')[0]?.response).toMatchObject({ msg_id: '3147483652000000001' });
  });

  it('should answer 45065 with the existing msg_id for a repeated clientmsgid within 24 h', async () => {
    const first = await api('/cgi-bin/message/mass/send', mass(['oA', 'oB'], 'bc-7-batch-0'));
    const again = await api('/cgi-bin/message/mass/send', mass(['oA', 'oB'], 'bc-7-batch-0'));
    expect(again.json.errcode).toBe(45065);
    expect(again.text).toContain('"msg_id":3147483652000000001');
    expect(first.text).toContain('"msg_id":3147483652000000001');
    expect(fake.massJobs()).toHaveLength(1);
    clock.advance(24 * 3600_000 + 1);
    expect((await api('/cgi-bin/message/mass/send', mass(['oA', 'oB'], 'bc-7-batch-0'))).text).toContain('3147483652000000002');
  });

  it('should deliver at most 4 mass messages per fan per month', async () => {
    for (let i = 0; i < 5; i++) {
      await api('/cgi-bin/message/mass/send', mass(['oA', 'oB'], `m${i}`, `n${i}`));
    }
    const jobs = fake.massJobs();
    expect(jobs.map((job) => job.deliveredTo.length)).toEqual([2, 2, 2, 2, 0]);
    expect(fake.messagesFor('oA').filter((m) => m.via === 'mass')).toHaveLength(4);
  });

  it('should send to a tag with sendall and report the job with mass/get', async () => {
    const tagId = (await api('/cgi-bin/tags/create', { tag: { name: 'vip' } })).json.tag as { id: number };
    await api('/cgi-bin/tags/members/batchtagging', { openid_list: ['oA', 'oB', 'oC'], tagid: tagId.id });
    const sent = await api('/cgi-bin/message/mass/sendall', {
      filter: { is_to_all: false, tag_id: tagId.id },
      msgtype: 'text',
      text: { content: 'x' },
    });
    expect(sent.json.errcode).toBe(0);
    expect(fake.massJobs()[0]?.openIds).toEqual(['oA', 'oB', 'oC']);
    const status = await api('/cgi-bin/message/mass/get', '{"msg_id":3147483652000000001}');
    expect(status.json.msg_status).toBe('SENDING');
  });
});

describe('fake WeChat API: tags and users', () => {
  it('should create tags, refuse duplicates with 45157 and list members', async () => {
    const created = await api('/cgi-bin/tags/create', { tag: { name: '老客' } });
    const tag = created.json.tag as { id: number; name: string };
    expect(tag).toEqual({ id: 100, name: '老客' });
    expect((await api('/cgi-bin/tags/create', { tag: { name: '老客' } })).json.errcode).toBe(45157);
    await api('/cgi-bin/tags/members/batchtagging', { openid_list: ['oA', 'oB'], tagid: tag.id });
    expect((await api('/cgi-bin/tags/getidlist', { openid: 'oA' })).json.tagid_list).toEqual([100]);
    expect((await api('/cgi-bin/user/tag/get', { tagid: tag.id, next_openid: '' })).json).toMatchObject({
      count: 2,
      data: { openid: ['oA', 'oB'] },
    });
    const tags = (await api('/cgi-bin/tags/get')).json.tags;
    expect(tags).toContainEqual({ id: 100, name: '老客', count: 2 });
    await api('/cgi-bin/tags/members/batchuntagging', { openid_list: ['oA'], tagid: tag.id });
    expect((await api('/cgi-bin/user/info', undefined, { openid: 'oA' })).json.tagid_list).toEqual([]);
  });

  it('should refuse more than 50 openids with 40032 and a 21st tag with 45059', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 21; i++) {
      ids.push(((await api('/cgi-bin/tags/create', { tag: { name: `t${i}` } })).json.tag as { id: number }).id);
    }
    const many = Array.from({ length: 51 }, (_, i) => `o${i}`);
    expect((await api('/cgi-bin/tags/members/batchtagging', { openid_list: many, tagid: ids[0] })).json.errcode).toBe(40032);
    for (const id of ids.slice(0, 20)) {
      await api('/cgi-bin/tags/members/batchtagging', { openid_list: ['oA'], tagid: id });
    }
    expect((await api('/cgi-bin/tags/members/batchtagging', { openid_list: ['oA'], tagid: ids[20] })).json.errcode).toBe(45059);
  });

  it('should list followers with user/get and answer batchget for up to 100', async () => {
    await api('/cgi-bin/message/custom/send', text('oA'));
    fake.setFan('oB', { subscribeScene: 'ADD_SCENE_QR_CODE', qrSceneStr: 'store_hz' });
    expect((await api('/cgi-bin/user/get')).json).toMatchObject({ total: 2, count: 2, data: { openid: ['oA', 'oB'] }, next_openid: 'oB' });
    const batch = await api('/cgi-bin/user/info/batchget', { user_list: [{ openid: 'oB', lang: 'zh_CN' }] });
    expect(batch.json.user_info_list).toMatchObject([{ subscribe: 1, openid: 'oB', qr_scene_str: 'store_hz', nickname: '' }]);
    const tooMany = { user_list: Array.from({ length: 101 }, (_, i) => ({ openid: `o${i}` })) };
    expect((await api('/cgi-bin/user/info/batchget', tooMany)).json.errcode).toBe(40032);
  });
});

describe('fake WeChat API: unknown endpoints and control', () => {
  it('should answer an unknown endpoint with 40066 and record it as unexpected', async () => {
    const answer = await api('/cgi-bin/shorturl', { action: 'long2short' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ errcode: 40066, errmsg: 'invalid url' });
    expect(fake.unexpected.map((call) => call.path)).toEqual(['/cgi-bin/shorturl']);
  });

  it('should serve messages since an index and accept injected failures over /__fake/', async () => {
    await api('/cgi-bin/message/custom/send', text('oFAN1', 'a'));
    await api('/cgi-bin/message/custom/send', text('oFAN1', 'b'));
    const page = await request('/__fake/messages', { query: { openid: 'oFAN1', since: '1' } });
    expect(page.json).toMatchObject({ next: 2, messages: [{ index: 1, via: 'custom', body: text('oFAN1', 'b') }] });
    await request('/__fake/fail', { body: { path: '/cgi-bin/message/custom/send', errcode: -1, times: 1 } });
    expect((await api('/cgi-bin/message/custom/send', text('oFAN1'))).json.errcode).toBe(-1);
    expect(fake.calls.some((call) => call.path.startsWith('/__fake'))).toBe(false);
  });
});

describe('fake WeChat API: MASSSENDJOBFINISH push', () => {
  it('should POST a signed MASSSENDJOBFINISH with the job counts to the callback URL', async () => {
    const received: { url: string; body: string }[] = [];
    const callback = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body });
        res.end('success');
      });
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const port = (callback.address() as AddressInfo).port;
    const pusher = await startFakeWechatApi({ callback: { url: `http://127.0.0.1:${port}/wechat`, token: 'cbtoken' } });
    try {
      const accessToken = (await (
        await fetch(`${pusher.url}/cgi-bin/stable_token`, {
          method: 'POST',
          body: JSON.stringify({ grant_type: 'client_credential', appid: pusher.appId, secret: pusher.appSecret }),
        })
      ).json()) as { access_token: string };
      await fetch(`${pusher.url}/cgi-bin/message/mass/send?access_token=${accessToken.access_token}`, {
        method: 'POST',
        body: JSON.stringify({ touser: ['oA', 'oB', 'oC'], msgtype: 'text', text: { content: 'x' }, clientmsgid: 'c1' }),
      });
      await pusher.pushMassSendJobFinish('3147483652000000001');
      const [push] = received;
      const query = Object.fromEntries(new URL(push?.url ?? '', 'http://x').searchParams) as Record<string, string>;
      expect(
        verifySignature('cbtoken', { signature: query.signature ?? '', timestamp: query.timestamp ?? '', nonce: query.nonce ?? '' }),
      ).toBe(true);
      expect(push?.body).toContain('<Event><![CDATA[MASSSENDJOBFINISH]]></Event>');
      expect(push?.body).toContain('<MsgID>3147483652000000001</MsgID>');
      expect(push?.body).toContain('<TotalCount>3</TotalCount>');
      expect(push?.body).toContain('<SentCount>3</SentCount>');
      expect(pusher.massJobs()[0]?.status).toBe('SEND_SUCCESS');
    } finally {
      await pusher.close();
      callback.closeAllConnections();
      await new Promise((resolve) => callback.close(resolve));
    }
  });
});

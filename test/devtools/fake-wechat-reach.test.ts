import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { ManualClock } from '../../src/lib/clock.js';

let fake: FakeWechatApi;

async function api(path: string, body?: unknown, query: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const tokenAnswer = await fetch(`${fake.url}/cgi-bin/stable_token`, {
    method: 'POST',
    body: JSON.stringify({ grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret }),
  });
  const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
  const url = new URL(path, fake.url);
  for (const [key, value] of Object.entries({ ...query, access_token: token })) {
    url.searchParams.set(key, value);
  }
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

const notice = (touser: string, value = '已回复', templateId = 'TPL_reply_0000000001') => ({
  touser,
  template_id: templateId,
  data: { thing1: { value }, first: { value: '旧模板的开头' } },
});

beforeEach(async () => {
  fake = await startFakeWechatApi({ clock: new ManualClock(new Date('2026-03-10T02:00:00Z')) });
});
afterEach(async () => {
  await fake.close();
});

describe('the fake’s template messages', () => {
  it('delivers a notice without first/remark and answers a 64-bit msgid', async () => {
    const answer = await api('/cgi-bin/message/template/send', notice('oNoticeFan'));
    expect(answer).toMatchObject({ errcode: 0 });
    expect(fake.messagesFor('oNoticeFan')).toEqual([
      expect.objectContaining({ via: 'notice', body: { template_id: 'TPL_reply_0000000001', data: { thing1: { value: '已回复' } } } }),
    ]);
    expect(fake.templateSends()[0]?.msgId).toMatch(/^\d{19}$/);
  });

  it('refuses a template the account does not have (40037) and a value over 20 characters (47003)', async () => {
    fake.setTemplates(['TPL_reply_0000000001']);
    expect(await api('/cgi-bin/message/template/send', notice('oNoticeFan', 'x', 'TPL_unknown_00000001'))).toMatchObject({
      errcode: 40037,
    });
    expect(await api('/cgi-bin/message/template/send', notice('oNoticeFan', '一'.repeat(21)))).toMatchObject({
      errcode: 47003,
      errmsg: 'argument invalid! data.thing1.value invalid',
    });
    expect(fake.messagesFor('oNoticeFan')).toEqual([]);
  });

  it('pushes TEMPLATESENDJOBFINISH from the fan to the callback: success, or failed:user block', async () => {
    const received: string[] = [];
    const callback = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(body);
        res.end('success');
      });
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    try {
      fake.setCallback({ url: `http://127.0.0.1:${(callback.address() as AddressInfo).port}/wechat`, token: 'cbtoken' });
      fake.setFan('oBlocks', { blocksNotices: true });
      await api('/cgi-bin/message/template/send', notice('oLikes'));
      await api('/cgi-bin/message/template/send', notice('oBlocks'));
      await expect.poll(() => received.length).toBe(2);
      expect(received.join()).toContain('<Status><![CDATA[success]]></Status>');
      expect(received.find((xml) => xml.includes('oBlocks'))).toContain('<Status><![CDATA[failed:user block]]></Status>');
      expect(fake.messagesFor('oBlocks')).toEqual([]);
    } finally {
      callback.closeAllConnections();
      await new Promise((resolve) => callback.close(resolve));
    }
  });
});

describe('the fake’s menus', () => {
  const click = (name: string, key: string) => ({ type: 'click', name, key });

  it('keeps a default menu and a conditional menu for an existing tag, and deletes the conditional one', async () => {
    expect(await api('/cgi-bin/menu/get')).toMatchObject({ errcode: 46003 });
    expect(await api('/cgi-bin/menu/addconditional', { button: [click('会员', 'M')], matchrule: { tag_id: '2' } })).toMatchObject({
      errcode: 65303,
    });
    expect(await api('/cgi-bin/menu/create', { button: [click('新品', 'MENU_NEW')] })).toMatchObject({ errcode: 0 });
    const added = await api('/cgi-bin/menu/addconditional', { button: [click('会员', 'MENU_VIP')], matchrule: { tag_id: '2' } });
    expect(added.menuid).toEqual(expect.any(String));
    const live = await api('/cgi-bin/menu/get');
    expect(live).toMatchObject({
      menu: { button: [click('新品', 'MENU_NEW')] },
      conditionalmenu: [{ matchrule: { tag_id: '2' }, menuid: added.menuid }],
    });
    expect(await api('/cgi-bin/menu/delconditional', { menuid: added.menuid })).toMatchObject({ errcode: 0 });
    expect(fake.menus().conditional).toEqual([]);
  });

  it('refuses 4 top-level buttons (40016), 6 sub-buttons (40023) and a 17-byte top-level name (40018)', async () => {
    const four = [1, 2, 3, 4].map((i) => click(`B${i}`, `K${i}`));
    expect(await api('/cgi-bin/menu/create', { button: four })).toMatchObject({ errcode: 40016 });
    const six = [1, 2, 3, 4, 5, 6].map((i) => click(`S${i}`, `K${i}`));
    expect(await api('/cgi-bin/menu/create', { button: [{ name: '更多', sub_button: six }] })).toMatchObject({ errcode: 40023 });
    expect(await api('/cgi-bin/menu/create', { button: [click('一二三四五六', 'K')] })).toMatchObject({ errcode: 40018 });
    expect(fake.menus().menu).toBeNull();
  });
});

describe('the fake’s QR codes', () => {
  it('creates a permanent string-scene code and shows it as a PNG without an access_token', async () => {
    const answer = await api('/cgi-bin/qrcode/create', {
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'store_hz' } },
    });
    expect(answer).toMatchObject({ ticket: expect.any(String), url: expect.stringMatching(/^http:\/\/weixin\.qq\.com\/q\//) });
    expect(answer.expire_seconds).toBeUndefined();
    const image = await fetch(`${fake.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(String(answer.ticket))}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    expect((await fetch(`${fake.url}/cgi-bin/showqrcode?ticket=nope`)).status).toBe(404);
  });

  it('refuses a scene string over 64 characters (40053)', async () => {
    const answer = await api('/cgi-bin/qrcode/create', {
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'x'.repeat(65) } },
    });
    expect(answer).toMatchObject({ errcode: 40053 });
  });
});

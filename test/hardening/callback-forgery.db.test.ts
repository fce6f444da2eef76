/**
 * Forged senders at the callback: a plaintext body posted with the query of a real safe-mode
 * callback (no downgrade), a timestamp+nonce reused for another message (one signature, one
 * message — on one instance and across two), and a DOCTYPE hidden where a string scan would
 * not look. All through signed callbacks to the real server and database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signQuery } from '../../src/wechat/signature.js';
import { buildTextXml, nextMsgId } from '../builders/inbound.js';
import { useTestDb } from '../support/db.js';
import { startHarness, TEST_ACCOUNT, TEST_TOKEN, type Harness } from '../support/harness.js';

const db = useTestDb();
let safe: Harness;
let plain: Harness;
let plainTwin: Harness;

beforeAll(async () => {
  safe = await startHarness({ dbUri: db.uri, aes: true, env: { ADMIN_OPENIDS: 'oTheAdmin' } });
  plain = await startHarness({ dbUri: db.uri, fake: safe.fake });
  plainTwin = await startHarness({ dbUri: db.uri, fake: safe.fake });
});
afterAll(async () => {
  await Promise.all([safe?.close(), plain?.close(), plainTwin?.close()]);
});

const post = (app: Harness, body: string, query: Record<string, string>) => {
  const url = new URL(app.callbackUrl);
  for (const [k, v] of Object.entries(query)) {
    url.searchParams.set(k, v);
  }
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
};
const text = (from: string, content: string, msgId = nextMsgId()) =>
  buildTextXml({ toUserName: TEST_ACCOUNT, fromUserName: from, content, msgId });
const interactionsOf = (openId: string) => safe.connection.collection('interactions').countDocuments({ openId });
const contentOf = (xml: string) => /<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(xml)?.[1];

describe('no downgrade with an AES key set', () => {
  it('refuses with 401 a plaintext /grant posted with the signature, timestamp and nonce of a real safe-mode callback', async () => {
    // The query of a genuine safe-mode callback, as a proxy access log shows it.
    const genuine = signQuery(TEST_TOKEN, { encrypt: 'c2FmZS1tb2RlLWNpcGhlcnRleHQ=' });
    const { signature, timestamp, nonce } = genuine;
    const response = await post(safe, text('oTheAdmin', '/grant oEVIL1 admin'), { signature, timestamp, nonce });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('已授予');
    expect(await safe.fanhook.roles.roleOf('oEVIL1')).toBeNull();
    expect(await interactionsOf('oTheAdmin')).toBe(0);
  });

  it('still answers safe-mode callbacks', async () => {
    const result = await safe.fan('oSafeModeFan', 'safe').sendText('你好');
    expect(result.status).toBe(200);
    expect(result.encrypted).toBe(true);
  });

  it('accepts a plaintext callback with WECHAT_ACCEPT_PLAINTEXT=on (while the MP backend switches mode)', async () => {
    const switching = await startHarness({ dbUri: db.uri, aes: true, fake: safe.fake, env: { WECHAT_ACCEPT_PLAINTEXT: 'on' } });
    try {
      const result = await switching.fan('oDuringSwitch').sendText('你好');
      expect(result.status).toBe(200);
      expect(result.reply?.['MsgType']).toBe('text');
    } finally {
      await switching.close();
    }
  });
});

describe('one signature, one message', () => {
  it('refuses with 401 a timestamp+nonce already used by another message, and stores nothing of it', async () => {
    const query = { ...signQuery(TEST_TOKEN) };
    const first = await post(plain, text('oPairOwner', '门店在哪'), query);
    expect(first.status).toBe(200);

    const forged = await post(plain, text('oPairThief', '/grant oPairThief admin'), query);

    expect(forged.status).toBe(401);
    expect(await interactionsOf('oPairThief')).toBe(0);
    expect(await safe.connection.collection('fans').countDocuments({ openId: 'oPairThief' })).toBe(0);
  });

  it('refuses the reused pair on another instance of the same database too', async () => {
    const query = { ...signQuery(TEST_TOKEN) };
    expect((await post(plain, text('oPairOwner2', '包邮吗'), query)).status).toBe(200);

    const forged = await post(plainTwin, text('oPairThief2', '你好'), query);

    expect(forged.status).toBe(401);
    expect(await interactionsOf('oPairThief2')).toBe(0);
  });

  it("answers WeChat's retry of the same message with the same pair as the first delivery, on either instance", async () => {
    const query = { ...signQuery(TEST_TOKEN) };
    const body = text('oRetriedFan', '有优惠吗');
    const first = await (await post(plain, body, query)).text();
    const retry = await post(plainTwin, body, query);
    expect(retry.status).toBe(200);
    expect(contentOf(await retry.text())).toBe(contentOf(first));
    expect(await interactionsOf('oRetriedFan')).toBe(1);
  });
});

describe('the DOCTYPE guard', () => {
  it('answers 400 to a DOCTYPE between two comments that mention CDATA, and stores nothing', async () => {
    const body = `<!-- <![CDATA[ --><!DOCTYPE xml [<!ENTITY a "aaaa">]><!-- ]]> -->${text('oHiddenDoctype', 'hi')}`;
    const response = await post(plain, body, { ...signQuery(TEST_TOKEN) });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('XML with DOCTYPE/ENTITY is not accepted');
    expect(await interactionsOf('oHiddenDoctype')).toBe(0);
  });

  it('answers a message whose CDATA text holds "<!DOCTYPE"', async () => {
    const response = await post(plain, text('oHtmlQuestion', '<!DOCTYPE html> 是什么意思？'), { ...signQuery(TEST_TOKEN) });
    expect(response.status).toBe(200);
    expect(contentOf(await response.text())).toBeDefined();
    const [stored] = await safe.connection.collection('interactions').find({ openId: 'oHtmlQuestion' }).toArray();
    expect(stored?.['payload']).toMatchObject({ Content: '<!DOCTYPE html> 是什么意思？' });
  });
});

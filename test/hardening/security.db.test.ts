/**
 * Bad input and bad actors at the callback: slow-loris and oversize bodies are bounded,
 * replays are handled, admin commands from fans are refused, and no secret reaches the log.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signQuery } from '../../src/wechat/signature.js';
import { cdata } from '../../src/wechat/reply-xml.js';
import { useTestDb } from '../support/db.js';
import { startHarness, TEST_AES_KEY, TEST_TOKEN, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();
let app: Harness;

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    aes: true,
    env: { ADMIN_OPENIDS: 'oTheAdmin', FANHOOK_BODY_LIMIT_BYTES: '4096', WECHAT_ACCEPT_PLAINTEXT: 'on' },
  });
});
afterAll(async () => {
  await app?.close();
});

const textXml = (from: string, content: string, msgId: string): string =>
  `<xml><ToUserName>${cdata('gh_fanhook_test')}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(content)}</Content><MsgId>${msgId}</MsgId></xml>`;

const signedPath = (timestamp?: number): string => {
  const q = signQuery(TEST_TOKEN, timestamp === undefined ? {} : { timestamp });
  return `/wechat?signature=${q.signature}&timestamp=${q.timestamp}&nonce=${q.nonce}`;
};

/** Sends raw bytes on one socket and resolves with everything the server answered. */
function rawRequest(port: number, head: string, bodyParts: string[], gapMs: number): Promise<{ answer: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.write(head);
    const parts = [...bodyParts];
    const timer = setInterval(() => {
      const part = parts.shift();
      if (part === undefined || socket.destroyed) {
        clearInterval(timer);
        return;
      }
      socket.write(part);
    }, gapMs);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, ms: Date.now() - started });
    });
  });
}

const interactionCount = (openId: string): Promise<number> => app.connection.collection('interactions').countDocuments({ openId });

describe('bounded bodies', () => {
  it('answers a slow-loris body (one byte a second) with 408 within 5 s and stores nothing', async () => {
    const port = Number(new URL(app.url).port);
    const body = textXml('oSlowLoris', '你好', '900001');
    const head = `POST ${signedPath()} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    const { answer, ms } = await rawRequest(port, head, body.split(''), 1_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(6_000);
    expect(await interactionCount('oSlowLoris')).toBe(0);
  }, 15_000);

  it('refuses a chunked body that grows past the limit with 413 and stores nothing', async () => {
    const port = Number(new URL(app.url).port);
    const filler = 'x'.repeat(1_000);
    const chunk = `${filler.length.toString(16)}\r\n${filler}\r\n`;
    const head = `POST ${signedPath()} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const { answer } = await rawRequest(
      port,
      head,
      [`${(6).toString(16)}\r\n<xml><\r\n`, ...Array.from({ length: 8 }, () => chunk), '0\r\n\r\n'],
      5,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
  });
});

describe('replays', () => {
  it('gives a replay of the same signed message the same reply and stores it once', async () => {
    const body = textXml('oReplayed', '门店在哪', '900002');
    const path = signedPath();
    const send = () => fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body }).then((r) => r.text());
    const first = await send();
    const second = await send();
    expect(first).toContain('<MsgType><![CDATA[text]]></MsgType>');
    expect(second.replace(/<CreateTime>\d+<\/CreateTime>/, '')).toBe(first.replace(/<CreateTime>\d+<\/CreateTime>/, ''));
    expect(await interactionCount('oReplayed')).toBe(1);
  });

  it('refuses a correctly signed request whose timestamp is older than 5 minutes with 401', async () => {
    const body = textXml('oOldReplay', '你好', '900003');
    const response = await fetch(`${app.url}${signedPath(Math.floor(Date.now() / 1000) - 400)}`, { method: 'POST', body });
    expect(response.status).toBe(401);
    expect(await interactionCount('oOldReplay')).toBe(0);
  });
});

describe('admin commands from fans', () => {
  it.each(['/grant oSneakyFan admin', '／授权 oSneakyFan admin', '/stats', '/broadcast all | 免费送'])(
    'treats %s from a fan as a fan message: no role, no audit, no admin answer',
    async (text) => {
      const result = await app.fan('oSneakyFan').sendText(text);
      expect(result.status).toBe(200);
      expect(String(result.reply?.['Content'] ?? '')).not.toMatch(/粉丝总数|已授权|草稿|#\d+/);
      expect(await app.fanhook.roles.roleOf('oSneakyFan')).toBeNull();
      expect(await app.connection.collection('audit_log').countDocuments({ openId: 'oSneakyFan' })).toBe(0);
      expect(await app.connection.collection('broadcasts').countDocuments({})).toBe(0);
    },
  );
});

describe('secrets', () => {
  it('never writes the app secret, callback token, AES key or an access token to the log', async () => {
    // Traffic that logs at every level: a bad signature, a safe-mode message, an admin
    // command, and a customer-service send (which fetches an access token).
    await fetch(`${app.url}/wechat?signature=bad&timestamp=1&nonce=1`, { method: 'POST', body: '<xml/>' });
    await app.fan('oTheAdmin', 'safe').sendText('/help');
    await app.fanhook.customerService.send('oTheAdmin', { type: 'text', content: '测试' });
    const token = await waitFor(
      () => app.connection.collection('wechat_tokens').findOne({}),
      (doc) => doc !== null,
    );
    const log = app.logs.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [app.config.wechat.appSecret, TEST_TOKEN, TEST_AES_KEY, String(token?.['accessToken'])]) {
      expect(log).not.toContain(secret);
    }
  });
});

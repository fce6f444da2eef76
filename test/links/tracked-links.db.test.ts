import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { getLinkClickModel } from '../../src/links/link-click-model.js';
import { fanDoc, waitForBroadcast } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { DESKTOP_UA, PUBLIC_URL, trackedLinksIn, visit, WECHAT_UA } from './link-support.js';

const db = useTestDb();
let app: Harness;
const ADMIN = 'oLinkAdmin';
const now = new Date();
const TARGET = 'https://shop.example.com/new?from=push';

const massText = (broadcastTag: string): string => {
  const job = app.fake.massJobs().find((j) => j.openIds.some((id) => id.includes(broadcastTag)));
  return String((job?.content as { content?: string } | undefined)?.content ?? JSON.stringify(job?.content ?? ''));
};
const customTexts = (openId: string): string[] =>
  app.fake.customMessagesFor(openId).map((m) => String((m as { text?: { content?: string } }).text?.content ?? ''));
/** The clicks matching `filter` once `count` of them are stored (the redirect does not wait for the write). */
const clicksOf = (filter: Record<string, unknown>, count = 1) =>
  waitFor(
    () => getLinkClickModel(app.connection).find(filter).sort({ at: 1, first: -1 }).lean(),
    (found) => found.length >= count,
  );

/** Seeds fans tagged `tag`, sends `/broadcast tag:<tag> | text` and waits until it is sent; returns its number. */
async function broadcastTo(tag: string, fans: { openId: string; inWindow?: boolean }[], text: string): Promise<number> {
  await getFanModel(app.connection).insertMany(
    fans.map((fan) =>
      fanDoc(fan.openId, now, {
        tags: [{ name: tag, source: 'manual', at: now }],
        ...(fan.inWindow ? { csWindow: { messageAt: new Date(now.getTime() - 3_600_000), messageUsed: 0, triggerUsed: 0 } } : {}),
      }),
    ),
  );
  const draft = String((await app.fan(ADMIN).sendText(`/broadcast tag:${tag} | ${text}`)).reply?.['Content'] ?? '');
  const number = Number(/草稿 #(\d+)/.exec(draft)?.[1]);
  await app.fan(ADMIN).sendText(`/confirm ${number}`);
  await waitForBroadcast(app.connection, number, 'sent');
  return number;
}

beforeAll(async () => {
  // A keyword reply with a link, so replies can be tracked too.
  const dir = await mkdtemp(path.join(tmpdir(), 'fanhook-links-'));
  await cp(path.resolve('templates'), dir, { recursive: true });
  const replies = await readFile(path.join(dir, 'replies.yaml'), 'utf8');
  await writeFile(
    path.join(dir, 'replies.yaml'),
    replies.replace('keywords:\n', `keywords:\n  - match: [优惠券]\n    reply: 领券入口：https://shop.example.com/coupon 先到先得\n`),
  );
  app = await startHarness({
    dbUri: db.uri,
    startJobs: true,
    env: { ADMIN_OPENIDS: ADMIN, FANHOOK_PUBLIC_URL: PUBLIC_URL, FANHOOK_TEMPLATES_DIR: dir },
  });
  await getFanModel(app.connection).insertMany([fanDoc(ADMIN, now)]);
  await app.fan(ADMIN).sendText('你好');
});
afterAll(async () => {
  await app?.close();
});

describe('tracked links in a broadcast', () => {
  it('rewrites the link of a mass send and attributes a click through WeChat OAuth to the fan who opened it', async () => {
    const number = await broadcastTo('oauth', [{ openId: 'oOauthA' }, { openId: 'oOauthB' }], `周末上新 ${TARGET} 快来看`);
    const text = massText('oOauth');
    expect(text).not.toContain(TARGET);
    const [link] = trackedLinksIn(text);
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:9\/l\/[A-Za-z0-9_-]{12}$/);

    app.fake.setOAuthOpener('oOauthB');
    const first = await visit(app, link!, WECHAT_UA);
    expect(first.landedOn).toBe(TARGET);
    const authorize = new URL(first.hops[0]!.location!);
    expect(authorize.origin + authorize.pathname).toBe(`${app.fake.url}/connect/oauth2/authorize`);
    expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
    expect(authorize.searchParams.get('redirect_uri')).toBe(link);
    expect(authorize.hash).toBe('#wechat_redirect');
    expect(app.fake.callsTo('/sns/oauth2/access_token').at(-1)?.response).toMatchObject({ openid: 'oOauthB' });

    await visit(app, link!, WECHAT_UA);
    const clicks = await clicksOf({ broadcast: number }, 2);
    expect(clicks.map(({ openId, via, first }) => ({ openId, via, first }))).toEqual([
      { openId: 'oOauthB', via: 'oauth', first: true },
      { openId: 'oOauthB', via: 'oauth', first: false },
    ]);
    const fan = await getFanModel(app.connection).collection.findOne({ openId: 'oOauthB' });
    expect(fan?.['clickedBroadcasts']).toEqual([number]);
  });

  it('gives a fan reached by customer-service message a signed link of their own that needs no OAuth', async () => {
    const number = await broadcastTo(
      'signed',
      [{ openId: 'oSignedWin', inWindow: true }, { openId: 'oSignedM1' }, { openId: 'oSignedM2' }],
      `新品 ${TARGET}`,
    );
    const [link] = trackedLinksIn(customTexts('oSignedWin').join('\n'));
    expect(link).toMatch(/\/l\/[A-Za-z0-9_-]{12}\/oSignedWin\.[A-Za-z0-9_-]{16}$/);
    const opened = await visit(app, link!, WECHAT_UA);
    expect(opened.hops).toHaveLength(1);
    expect(opened.landedOn).toBe(TARGET);
    // The same signature for another openid is not accepted: that click stays anonymous.
    const forged = await visit(app, link!.replace('oSignedWin.', 'oSignedM1.'), DESKTOP_UA);
    expect(forged.landedOn).toBe(TARGET);
    const clicks = await clicksOf({ broadcast: number }, 2);
    expect(clicks.map(({ openId, via }) => ({ openId, via }))).toEqual([
      { openId: 'oSignedWin', via: 'signed' },
      { openId: undefined, via: 'anonymous' },
    ]);
  });
});

describe('opening a tracked link', () => {
  it('answers an unknown code with a 404 page and never redirects', async () => {
    for (const url of [`${PUBLIC_URL}/l/AAAAAAAAAAAA`, `${PUBLIC_URL}/l/AAAAAAAAAAAA/oX.abc`, `${PUBLIC_URL}/l/https:%2F%2Fevil.example`]) {
      const opened = await visit(app, `${url}?state=x&code=y`, WECHAT_UA);
      expect(opened.status).toBe(404);
      expect(opened.hops[0]?.location).toBeNull();
      expect(opened.body).toContain('链接不存在或已失效');
    }
    // An unknown code stores nothing; a known code's click is stored meanwhile, so the writes are not just slow.
    const known = await app.fanhook.broadcast.links!.rewrite('https://shop.example.com/known', { broadcast: 9003 });
    await visit(app, known, DESKTOP_UA);
    await clicksOf({ broadcast: 9003 });
    expect(await getLinkClickModel(app.connection).countDocuments({ code: 'AAAAAAAAAAAA' })).toBe(0);
  });

  it('counts a click outside WeChat as anonymous and redirects at once', async () => {
    const text = await app.fanhook.broadcast.links!.rewrite('https://shop.example.com/desk', { broadcast: 9001 });
    const opened = await visit(app, text, DESKTOP_UA);
    expect(opened.hops).toHaveLength(1);
    expect(opened.landedOn).toBe('https://shop.example.com/desk');
    expect(app.fake.callsTo('/connect/oauth2/authorize').filter((c) => String(c.query['redirect_uri']) === text)).toHaveLength(0);
    const [click] = await clicksOf({ broadcast: 9001 });
    expect(click).toMatchObject({ via: 'anonymous' });
    expect(click?.openId).toBeUndefined();
  });

  it('still redirects, as an anonymous click, when WeChat refuses the OAuth code', async () => {
    const text = await app.fanhook.broadcast.links!.rewrite('https://shop.example.com/refused', { broadcast: 9002 });
    app.fake.setOAuthOpener('oRefused');
    app.fake.failNext('/sns/oauth2/access_token', 40163);
    const opened = await visit(app, text, WECHAT_UA);
    expect(opened.landedOn).toBe('https://shop.example.com/refused');
    const [click] = await clicksOf({ broadcast: 9002 });
    expect(click).toMatchObject({ via: 'anonymous', reason: 'oauth_40163' });
  });
});

describe('tracked links in replies', () => {
  it('tracks the link of a keyword reply for the fan who asked, without OAuth', async () => {
    const { reply } = await app.fan('oReplyFan').sendText('有优惠券吗');
    const [link] = trackedLinksIn(String(reply?.['Content'] ?? ''));
    expect(link).toMatch(/\/l\/[A-Za-z0-9_-]{12}\/oReplyFan\.[A-Za-z0-9_-]{16}$/);
    expect(String(reply?.['Content'])).toContain('先到先得');
    const opened = await visit(app, link!, WECHAT_UA);
    expect(opened.landedOn).toBe('https://shop.example.com/coupon');
    const clicks = await clicksOf({ openId: 'oReplyFan' });
    expect(clicks[0]).toMatchObject({ via: 'signed', first: true });
    expect(clicks[0]?.broadcast).toBeUndefined();
  });
});

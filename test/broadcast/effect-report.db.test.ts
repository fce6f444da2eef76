import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastModel } from '../../src/broadcast/broadcast-model.js';
import { readHoldout } from '../../src/broadcast/holdout-model.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { getLinkClickModel } from '../../src/links/link-click-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { importOrders } from '../../src/orders/import-orders.js';
import { DESKTOP_UA, PUBLIC_URL, trackedLinksIn, visit, WECHAT_UA } from '../links/link-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { askAs, fanDoc, waitForBroadcast } from './broadcast-support.js';

const db = useTestDb();
const DAY = 24 * 3_600_000;
const ADMIN = 'oEffectAdmin';
const clock = new ManualClock(new Date('2026-11-02T02:00:00Z'));
let app: Harness;

const say = async (text: string): Promise<string> => String((await app.fan(ADMIN).sendText(text)).reply?.['Content'] ?? '');
const massedTo = (openId: string): boolean => app.fake.massJobs().some((job) => job.openIds.includes(openId));

/** Fans `${prefix}00`… tagged `prefix`, a draft to them with `content`; returns the preview and the number. */
async function draftFor(prefix: string, count: number, content: string): Promise<{ number: number; preview: string; fans: string[] }> {
  const fans = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
  const now = clock.now();
  await getFanModel(app.connection).insertMany(
    fans.map((openId) => fanDoc(openId, now, { tags: [{ name: prefix, source: 'manual', at: now }] })),
  );
  const preview = await say(`/broadcast tag:${prefix} | ${content}`);
  return { number: Number(/草稿 #(\d+)/.exec(preview)?.[1]), preview, fans };
}

async function send(number: number): Promise<void> {
  await say(`/confirm ${number}`);
  await waitForBroadcast(app.connection, number, 'sent');
}

/** Orders arriving from the shop, as `npm run import-orders` / POST /api/orders store them. */
async function orderArrives(orders: { id: string; openId: string; fen: number; paidAt: Date }[]): Promise<void> {
  const report = await importOrders(
    { connection: app.connection, clock, timezone: 'Asia/Shanghai', tiers: () => [] },
    orders.map((order, index) => ({
      index,
      raw: {
        orderId: order.id,
        openId: order.openId,
        amountFen: order.fen,
        paidAt: order.paidAt.toISOString(),
        items: [{ sku: 'D1', name: '碎花裙', qty: 1 }],
      },
    })),
  );
  expect(report.refused).toBe(0);
}

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, clock, startJobs: true, env: { ADMIN_OPENIDS: ADMIN, FANHOOK_PUBLIC_URL: PUBLIC_URL } });
  await getFanModel(app.connection).insertMany([fanDoc(ADMIN, clock.now())]);
});
afterAll(async () => {
  await app?.close();
});

describe('a holdout', () => {
  it('sends nothing to held-out fans, spends none of their quota, and says how many in the preview and the report', async () => {
    const { number, preview, fans } = await draftFor('oHold', 40, '冬装上新 holdout 25%');
    const held = Number(/对照组（25%）：(\d+) 人不发送、不占群发额度/.exec(preview)?.[1]);
    expect(held).toBeGreaterThan(3);
    expect(held).toBeLessThan(20);
    await send(number);
    const stored = await readHoldout(app.connection, number);
    expect(stored).toHaveLength(held);
    const sent = fans.filter(massedTo);
    expect(sent).toHaveLength(40 - held);
    expect(stored.some(massedTo)).toBe(false);
    const job = app.fake.massJobs().find((j) => j.openIds.includes(sent[0]!));
    expect(JSON.stringify(job?.content)).toContain('冬装上新');
    expect(JSON.stringify(job?.content)).not.toContain('holdout');
    const pushes = await getFanModel(app.connection)
      .find({ openId: { $in: stored } }, { massPushes: 1 })
      .lean();
    expect(pushes.every((fan) => fan.massPushes.count === 0)).toBe(true);
    const report = await say(`/report ${number}`);
    expect(report).toContain(`对照组（未发送，不占额度）：${held} 人`);
    expect(report).toContain(`对照组：${held} 人（未发送），下单 0 人`);
  });

  it('is refused with a clear answer when the share makes no sense, and no draft is made', async () => {
    const before = await getBroadcastModel(app.connection).countDocuments();
    expect(await say('/broadcast all | 上新 holdout 90%')).toContain('对照组比例须大于 0% 且不超过 50%');
    expect(await getBroadcastModel(app.connection).countDocuments()).toBe(before);
  });
});

describe('the effect report', () => {
  it('counts clicks and the orders paid within 7 days of the push, for the sent group and the holdout, with the lift', async () => {
    const { number, fans } = await draftFor('oEff', 60, '双十二预售 https://shop.example.com/presale holdout 20%');
    const pushedAt = clock.now();
    await send(number);
    const holdout = new Set(await readHoldout(app.connection, number));
    const sent = fans.filter((openId) => !holdout.has(openId));
    const [h1] = [...holdout];
    // Three fans open the link in WeChat; one of them twice.
    const [link] = trackedLinksIn(JSON.stringify(app.fake.massJobs().find((j) => j.openIds.includes(sent[0]!))?.content));
    for (const opener of [sent[0]!, sent[1]!, sent[2]!, sent[0]!]) {
      app.fake.setOAuthOpener(opener);
      expect((await visit(app, link!, WECHAT_UA)).landedOn).toBe('https://shop.example.com/presale');
    }
    // And someone opens it in a desktop browser: a click, but nobody's.
    await visit(app, link!, DESKTOP_UA);
    await waitFor(
      () => getLinkClickModel(app.connection).countDocuments({ broadcast: number }),
      (stored) => stored === 5,
    );
    // Twelve days later the shop's orders arrive.
    clock.advance(12 * DAY);
    await orderArrives([
      { id: 'E-3d', openId: sent[0]!, fen: 9_900, paidAt: new Date(pushedAt.getTime() + 3 * DAY) },
      { id: 'E-3d-b', openId: sent[0]!, fen: 5_000, paidAt: new Date(pushedAt.getTime() + 3 * DAY + 3_600_000) },
      { id: 'E-10d', openId: sent[1]!, fen: 19_900, paidAt: new Date(pushedAt.getTime() + 10 * DAY) },
      { id: 'E-before', openId: sent[2]!, fen: 29_900, paidAt: new Date(pushedAt.getTime() - DAY) },
      { id: 'E-hold', openId: h1!, fen: 4_900, paidAt: new Date(pushedAt.getTime() + 2 * DAY) },
    ]);
    const report = await say(`/report ${number}`);
    expect(report).toContain(`点击：3 人（点击率 ${((3 / sent.length) * 100).toFixed(1)}%），共 5 次，其中 1 次未识别粉丝`);
    expect(report).toContain(`群发组：${sent.length} 人，下单 1 人（${((1 / sent.length) * 100).toFixed(1)}%），2 单，销售额 ¥149.00`);
    expect(report).toContain(
      `对照组：${holdout.size} 人（未发送），下单 1 人（${((1 / holdout.size) * 100).toFixed(1)}%），1 单，销售额 ¥49.00`,
    );
    expect(report).toMatch(/提升：下单率 -?\d+\.\d 个百分点/);
    expect(report).toContain('说明：下单人数太少，这个差异还说明不了什么');
    expect(report).not.toContain('尚未结束');
  });

  it('says the window is still open while it is, and an unknown broadcast gets a clear answer', async () => {
    const { number } = await draftFor('oOpen', 3, '早鸟价');
    await send(number);
    expect(await say(`/report ${number}`)).toContain('尚未结束，数字还会增长');
    expect(await say('/report 999')).toContain('没有编号为 #999 的群发');
  });
});

describe('charts in chat', () => {
  const isPng = (bytes: Buffer | undefined): boolean => bytes?.subarray(0, 8).toString('hex') === '89504e470d0a1a0a';

  it('answers /report <id> chart and /stats chart with PNG images sent as customer-service messages', async () => {
    const { number } = await draftFor('oChart', 4, '新品 holdout 25%');
    await send(number);
    await say('你好');
    // Rendering may outlast WeChat's 5 seconds on a busy machine: the answer then follows as a customer-service message.
    expect(await askAs(app, ADMIN, `/report ${number} chart`)).toContain(`群发 #${number} 的图表已发送`);
    expect(await askAs(app, ADMIN, '/stats chart')).toContain('粉丝分层图已发送');
    const images = app.fake
      .customMessagesFor(ADMIN)
      .filter((m) => (m as { msgtype?: string }).msgtype === 'image')
      .map((m) => String((m as { image: { media_id: string } }).image.media_id));
    expect(images).toHaveLength(2);
    for (const mediaId of images) {
      expect(isPng(app.fake.media(mediaId)?.bytes)).toBe(true);
    }
    expect(app.fake.callsTo('/cgi-bin/media/upload').map((c) => c.query['type'])).toEqual(['image', 'image']);
  });
});

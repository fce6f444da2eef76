import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { refreshRfmTiers } from '../../src/jobs/refresh-rfm.js';
import { ManualClock } from '../../src/lib/clock.js';
import { getOrderModel } from '../../src/orders/order-model.js';
import { RfmRegistry } from '../../src/orders/rfm-registry.js';
import { askAs, fanDoc } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
/** The same fanhook without FANHOOK_API_TOKEN. */
let plain: Harness;
const ADMIN = 'oAdminOrders';
const TOKEN = 'shop-export-token-0123456789';
const DAY = 24 * 3_600_000;
const now = new Date();
const daysAgo = (days: number): string => new Date(now.getTime() - days * DAY).toISOString();

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    env: { ADMIN_OPENIDS: ADMIN, FANHOOK_API_TOKEN: TOKEN, FANHOOK_API_BODY_LIMIT_BYTES: '20000' },
  });
  plain = await startHarness({ dbUri: db.uri });
  await getFanModel(app.connection).insertMany([fanDoc(ADMIN, now)]);
});
afterAll(async () => {
  await plain?.close();
  await app?.close();
});

function postOrders(body: unknown, options: { token?: string; contentType?: string } = {}): Promise<Response> {
  return fetch(`${app.url}/api/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token ?? TOKEN}`, 'content-type': options.contentType ?? 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function order(orderId: string, openId: string, yuan: number, paidDaysAgo: number, items: { sku: string; name: string; size?: string }[]) {
  return { orderId, openId, amountFen: yuan * 100, paidAt: daysAgo(paidDaysAgo), items: items.map((item) => ({ qty: 1, ...item })) };
}

async function factsOf(openId: string): Promise<Fan['purchases'] | undefined> {
  return (await getFanModel(app.connection).findOne({ openId }).lean<Fan>())?.purchases;
}

describe('orders from the shop', () => {
  it('counts an order posted twice once', async () => {
    await getFanModel(app.connection).insertMany([fanDoc('oTwiceBuyer', now)]);
    const body = [order('T-1001', 'oTwiceBuyer', 199, 2, [{ sku: 'SCARF-1', name: '围巾' }])];
    const first = await postOrders(body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 1, updated: 0, unchanged: 0, refused: 0, refusedRows: [] });
    expect(await (await postOrders(body)).json()).toEqual({ accepted: 0, updated: 0, unchanged: 1, refused: 0, refusedRows: [] });
    expect(await getOrderModel(app.connection).countDocuments({ _id: 'T-1001' })).toBe(1);
    expect(await factsOf('oTwiceBuyer')).toMatchObject({ orders: 1, spentFen: 19_900 });
    expect(await askAs(app, ADMIN, '/fan oTwiceBuyer')).toContain('购买：1 笔，共 ¥199.00');
  });

  it('stores an order once when the same export arrives twice at the same moment', async () => {
    await getFanModel(app.connection).insertMany([fanDoc('oRacingBuyer', now)]);
    const body = [order('R-1', 'oRacingBuyer', 88, 1, [{ sku: 'PIN-1', name: '胸针' }])];
    const answers = await Promise.all([postOrders(body), postOrders(body)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(await getOrderModel(app.connection).countDocuments({ _id: 'R-1' })).toBe(1);
    expect(await factsOf('oRacingBuyer')).toMatchObject({ orders: 1, spentFen: 8_800 });
  });

  it('refuses a bad row with its index and reason and keeps the good rows around it', async () => {
    const answer = await postOrders([
      order('B-1', 'oMixedBuyer', 100, 1, [{ sku: 'SOCK-1', name: '袜子' }]),
      { ...order('B-2', 'oMixedBuyer', 100, 1, [{ sku: 'SOCK-1', name: '袜子' }]), amountFen: 99.5 },
      { orderId: 'B-3', amountFen: 100, paidAt: daysAgo(1), items: [{ sku: 'SOCK-1', name: '袜子', qty: 1 }] },
      { ...order('B-4', 'oMixedBuyer', 100, 1, []), paidAt: 'yesterday' },
      order('B-5', 'oMixedBuyer', 300, 1, [{ sku: 'SOCK-2', name: '袜子', size: 'M' }]),
    ]);
    expect(await answer.json()).toEqual({
      accepted: 2,
      updated: 0,
      unchanged: 0,
      refused: 3,
      refusedRows: [
        { index: 1, reason: 'amountFen: must be a whole number of fen (1 yuan = 100 fen)' },
        { index: 2, reason: 'openId or unionId is required' },
        { index: 3, reason: 'items: must list at least one item' },
      ],
    });
    expect(await getOrderModel(app.connection).find({ _id: /^B-/ }).distinct('_id')).toEqual(['B-1', 'B-5']);
  });

  it('reads NDJSON line by line: a broken line is refused, the others are kept', async () => {
    const lines = [
      JSON.stringify(order('N-1', 'oLineBuyer', 50, 1, [{ sku: 'CAP-1', name: '帽子' }])),
      '{"orderId": "N-2", "openId": ',
      JSON.stringify(order('N-3', 'oLineBuyer', 70, 1, [{ sku: 'CAP-1', name: '帽子' }])),
    ].join('\n');
    const answer = await (await postOrders(lines, { contentType: 'application/x-ndjson' })).json();
    expect(answer).toMatchObject({
      accepted: 2,
      refused: 1,
      refusedRows: [{ index: 1, reason: expect.stringContaining('not a JSON object') }],
    });
  });

  it('joins an order for a fan not known yet when that fan follows', async () => {
    await postOrders([order('J-1', 'oNotYetFan', 420, 3, [{ sku: 'BOOT-1', name: '短靴', size: '38' }])]);
    expect(await getFanModel(app.connection).exists({ openId: 'oNotYetFan' })).toBeNull();
    await app.fan('oNotYetFan').follow();
    expect(await factsOf('oNotYetFan')).toMatchObject({ orders: 1, spentFen: 42_000, names: ['短靴'], sizes: ['38'], rfm: 'new' });
    const card = await askAs(app, ADMIN, '/fan oNotYetFan');
    expect(card).toContain('买过：短靴（尺码 38）');
    expect(card).toContain('RFM 分层：新客');
  });

  it('joins an order that names only a unionid to the fan an earlier order taught it', async () => {
    await getFanModel(app.connection).insertMany([fanDoc('oUnionBuyer', now)]);
    const withBoth = { ...order('U-1', 'oUnionBuyer', 100, 5, [{ sku: 'BELT-1', name: '腰带' }]), unionId: 'uUnionBuyer000001' };
    const unionOnly = {
      orderId: 'U-2',
      unionId: 'uUnionBuyer000001',
      amountFen: 200_00,
      paidAt: daysAgo(1),
      items: [{ sku: 'BELT-2', name: '腰带', qty: 1 }],
    };
    await postOrders([withBoth]);
    await postOrders([unionOnly]);
    expect(await factsOf('oUnionBuyer')).toMatchObject({ orders: 2, spentFen: 300_00 });
    expect(await (await postOrders([unionOnly])).json()).toMatchObject({ unchanged: 1 });
  });

  it('counts the right fans for /segment bought:外套 spent>500, in English and Chinese', async () => {
    await getFanModel(app.connection).insertMany([fanDoc('oCoatBig', now), fanDoc('oCoatSmall', now), fanDoc('oShirtBig', now)]);
    await postOrders([
      order('S-1', 'oCoatBig', 380, 10, [{ sku: 'COAT-1', name: '外套', size: 'L' }]),
      order('S-2', 'oCoatBig', 260, 4, [{ sku: 'PANT-1', name: '长裤', size: 'L' }]),
      order('S-3', 'oCoatSmall', 300, 4, [{ sku: 'COAT-1', name: '外套', size: 'M' }]),
      order('S-4', 'oShirtBig', 800, 4, [{ sku: 'SHIRT-1', name: '衬衫', size: 'M' }]),
    ]);
    const english = await askAs(app, ADMIN, '/segment bought:外套 spent>500');
    expect(english).toContain('符合条件：1 人');
    expect(english).toContain('oCoatBig');
    expect(await askAs(app, ADMIN, '/人群 买过:外套 消费>500')).toContain('符合条件：1 人');
    expect(await askAs(app, ADMIN, '/segment bought:COAT-1')).toContain('符合条件：2 人');
    expect(await askAs(app, ADMIN, '/segment bought:外套 orders>=2')).toContain('符合条件：1 人');
  });

  it('shows the RFM tier on /fan and segments by it', async () => {
    await getFanModel(app.connection).insertMany([fanDoc('oLoyalVip', now)]);
    await postOrders([
      order('V-1', 'oLoyalVip', 400, 60, [{ sku: 'DRESS-1', name: '连衣裙', size: 'S' }]),
      order('V-2', 'oLoyalVip', 400, 30, [{ sku: 'DRESS-2', name: '半身裙', size: 'S' }]),
      order('V-3', 'oLoyalVip', 400, 5, [{ sku: 'KNIT-1', name: '毛衣', size: 'S' }]),
    ]);
    const card = await askAs(app, ADMIN, '/fan oLoyalVip');
    expect(card).toContain('购买：3 笔，共 ¥1,200.00');
    expect(card).toContain('RFM 分层：重要价值');
    expect(await askAs(app, ADMIN, '/segment 分层:重要价值')).toContain('符合条件：1 人');
    expect(await askAs(app, ADMIN, '/segment rfm:土豪')).toContain('未知分层「土豪」');
  });

  it('moves a buyer who stops buying to a lower tier as the days pass (the nightly re-tiering)', async () => {
    await getFanModel(app.connection).insertMany([fanDoc('oFadingVip', now)]);
    await postOrders([
      order('D-1', 'oFadingVip', 500, 50, [{ sku: 'HAT-9', name: '礼帽' }]),
      order('D-2', 'oFadingVip', 500, 40, [{ sku: 'HAT-9', name: '礼帽' }]),
      order('D-3', 'oFadingVip', 500, 30, [{ sku: 'HAT-9', name: '礼帽' }]),
    ]);
    expect(await factsOf('oFadingVip')).toMatchObject({ rfm: 'vip' });
    const rfm = await RfmRegistry.load(app.config.templatesDir);
    const later = new ManualClock(new Date(now.getTime() + 70 * DAY));
    const result = await refreshRfmTiers({ connection: app.connection, rfm, clock: later, logger: app.fanhook.handoff.logger });
    expect(result.changed).toBeGreaterThanOrEqual(1);
    expect(await factsOf('oFadingVip')).toMatchObject({ rfm: 'keep' });
    expect(await askAs(app, ADMIN, '/fan oFadingVip')).toContain('RFM 分层：重要保持');
  });

  it('mends the facts of a fan that an interrupted import left behind at the nightly refresh', async () => {
    await getFanModel(app.connection).insertMany([fanDoc('oMendedBuyer', now)]);
    await postOrders([order('M-1', 'oMendedBuyer', 150, 3, [{ sku: 'BAG-1', name: '手提包' }])]);
    // As if the process died after storing the order and before writing the fan's facts.
    await getFanModel(app.connection).updateOne(
      { openId: 'oMendedBuyer' },
      { $set: { purchases: { orders: 0, spentFen: 0, skus: [], names: [], sizes: [] } } },
    );
    const rfm = await RfmRegistry.load(app.config.templatesDir);
    await refreshRfmTiers({ connection: app.connection, rfm, clock: new ManualClock(now), logger: app.fanhook.handoff.logger });
    expect(await factsOf('oMendedBuyer')).toMatchObject({ orders: 1, spentFen: 15_000, names: ['手提包'], rfm: 'new' });
  });

  it('segments fans who never ordered (also those stored before purchase facts existed) and fans who clicked a broadcast', async () => {
    const tags = [{ name: 'nf-test', source: 'manual' as const, at: now }];
    await getFanModel(app.connection).insertMany([
      fanDoc('oClickerOnly', now, { clickedBroadcasts: [907], tags }),
      fanDoc('oNfBuyer', now, { tags }),
    ]);
    await app.connection.collection('fans').insertOne(fanDoc('oBeforeFacts', now, { tags }));
    await postOrders([order('NF-1', 'oNfBuyer', 90, 2, [{ sku: 'GLOVE-1', name: '手套' }])]);
    expect(await askAs(app, ADMIN, '/segment clicked:907')).toContain('符合条件：1 人');
    expect(await askAs(app, ADMIN, '/segment 未下单 tag:nf-test')).toContain('符合条件：2 人');
    expect(await askAs(app, ADMIN, '/segment -never-ordered tag:nf-test')).toContain('符合条件：1 人');
    expect(await askAs(app, ADMIN, '/segment 点击:907 未下单')).toContain('符合条件：1 人');
  });

  it('answers 401 to a wrong token and 400 or 413 to a body it cannot use, storing nothing', async () => {
    const before = await getOrderModel(app.connection).countDocuments();
    const wrong = await postOrders([order('X-1', 'oNobody', 1, 1, [{ sku: 'A', name: 'a' }])], { token: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    const broken = await postOrders('[{"orderId": "X-2",');
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('not a valid JSON array');
    expect((await postOrders('x'.repeat(30_000))).status).toBe(413);
    expect(await getOrderModel(app.connection).countDocuments()).toBe(before);
  });
});

describe('without FANHOOK_API_TOKEN', () => {
  it('has no order API at all (404)', async () => {
    const answer = await fetch(`${plain.url}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '[]' });
    expect(answer.status).toBe(404);
  });
});

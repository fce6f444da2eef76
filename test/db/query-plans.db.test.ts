/**
 * Every hot query of fanhook is served by the index declared for it: `explain()` on the engine
 * under test, checked by index name (test/support/indexes-used.ts reads both MongoDB's and the
 * local engine's plans). A few thousand documents are seeded so the planner weighs an index
 * against a scan as it would on a real account; a test fails when a query stops using its index
 * (a renamed field, a dropped index, a filter rewritten so no index fits).
 */
import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionFilter } from '../../src/broadcast/mass-quota.js';
import { quotaBlockedCondition } from '../../src/broadcast/audience.js';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { getHandoffModel, type Handoff } from '../../src/handoff/handoff-model.js';
import { getInteractionModel } from '../../src/interactions/interaction-model.js';
import { getOrderModel } from '../../src/orders/order-model.js';
import { createAgenda } from '../../src/jobs/agenda.js';
import { compileSegment } from '../../src/segments/compile-segment.js';
import { parseSegment } from '../../src/segments/parse-segment.js';
import { RuleRegistry } from '../../src/tagging/rule-registry.js';
import { sweepCandidates } from '../../src/tagging/sweep-candidates.js';
import { useTestDb } from '../support/db.js';
import { indexesUsed } from '../support/indexes-used.js';

const db = useTestDb();
const now = new Date('2026-11-20T10:00:00Z');
const month = '2026-11';
const DAY = 86_400_000;
const FANS = 4_000;
const PROVINCES = ['浙江省', '江苏省', '上海市', '广东省', '北京市', '四川省', '湖北省', '福建省', '山东省', '河南省'];
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const limits = { monthly: 4, minGapMs: 0, csReserve: 1, batchSize: 10_000 };

const fans = () => getFanModel(db.connection);
const explainFind = (collection: string, filter: Document, sort?: Document): Promise<Document> => {
  const cursor = db.connection.collection(collection).find(filter);
  return (sort ? cursor.sort(sort) : cursor).limit(sort ? 1 : 0).explain('queryPlanner');
};
const explainAggregate = (collection: string, pipeline: Document[]): Promise<Document> =>
  db.connection.collection(collection).aggregate(pipeline).explain('queryPlanner');
const segment = (expr: string): Document => compileSegment(parseSegment(expr), now);

function fanDoc(i: number): Partial<Fan> {
  const seenDaysAgo = i % 120;
  return {
    openId: `oPlan${String(i).padStart(5, '0')}`,
    subscribed: i % 10 !== 0,
    subscribedAt: new Date(now.getTime() - (i % 400) * DAY),
    firstSeenAt: new Date(now.getTime() - (i % 400) * DAY),
    lastSeenAt: new Date(now.getTime() - seenDaysAgo * DAY),
    activity: seenDaysAgo >= 30 ? 'dormant' : 'active',
    source: `store_${i % 40}`,
    location: { latitude: 30, longitude: 120, region: PROVINCES[i % PROVINCES.length]!, at: now },
    attributes: { size: `${SIZES[i % SIZES.length]}${i % 20}`, city: `city${i % 60}` },
    tags: [
      { name: `tag${i % 50}`, source: 'rule', at: now },
      ...(i % 3 === 0 ? [{ name: `tag${(i + 7) % 50}`, source: 'manual' as const, at: now }] : []),
    ],
    massPushes: i % 10 === 0 ? { month, count: 1 + (i % 4), batches: [`batch${i % 30}`] } : { month: '2026-10', count: 2 },
    csWindow: { messageUsed: 0, triggerUsed: 0 },
    tagsDirty: i % 200 === 0,
    syncedTags: i % 2 === 0 ? [`tag${i % 50}`] : [],
  };
}

function handoffDoc(i: number): Partial<Handoff> {
  const status = (['queued', 'held', 'closed', 'closed', 'closed'] as const)[i % 5]!;
  return {
    shortId: `H${String(i).padStart(4, '0')}`,
    openId: `oPlan${String(i % FANS).padStart(5, '0')}`,
    status,
    mode: 'staff',
    createdAt: new Date(now.getTime() - i * 60_000),
    ...(status !== 'queued' ? { staffOpenId: `oStaff${i % 40}` } : {}),
  };
}

const agenda = () => createAgenda({ connection: db.connection, processEvery: '1 hour' });

beforeAll(async () => {
  await Promise.all([fans().init(), getHandoffModel(db.connection).init(), getInteractionModel(db.connection).init()]);
  const scheduler = agenda();
  await scheduler.ready;
  await scheduler.stop();
  for (let start = 0; start < FANS; start += 1_000) {
    await db.connection.collection('fans').insertMany(Array.from({ length: 1_000 }, (_, k) => fanDoc(start + k)));
  }
  await db.connection.collection('handoffs').insertMany(Array.from({ length: 3_000 }, (_, i) => handoffDoc(i)));
  await db.connection.collection('interactions').insertMany(
    Array.from({ length: 5_000 }, (_, i) => ({
      dedupeKey: `msg:${i}`,
      openId: `oPlan${String(i % FANS).padStart(5, '0')}`,
      kind: 'text',
      msgType: i % 4 === 0 ? 'event' : 'text',
      sentAt: new Date(now.getTime() - i * 1_000),
      receivedAt: new Date(now.getTime() - i * 1_000),
      payload: { content: `hello ${i}` },
      status: 'done',
    })),
  );
  await db.connection.collection('agendaJobs').insertMany(
    Array.from({ length: 3_000 }, (_, i) => ({
      name: `job.${i % 12}`,
      type: 'normal',
      priority: 0,
      nextRunAt: new Date(now.getTime() + (i - 100) * 60_000),
      lockedAt: i % 50 === 0 ? new Date(now.getTime() - DAY) : null,
      disabled: false,
      data: {},
    })),
  );
}, 120_000);
afterAll(async () => {
  await db.connection.collection('agendaJobs').deleteMany({});
});

describe('query plans', () => {
  it('finds a fan by openid through the openId index', async () => {
    expect(indexesUsed(await explainFind('fans', { openId: 'oPlan01234' }))).toContain('openId_1');
  });

  it.each([
    ['tag:tag7', 'tags.name_1'],
    ['source:store_12', 'source_1'],
    ['region:浙江', 'location.region_1'],
    ['attr:size=L3', 'attributes.$**_1'],
    ['active<3d', 'subscribed_1_lastSeenAt_-1'],
    ['followed<2d', 'subscribedAt_-1'],
  ])('serves the segment %s from %s', async (expr, index) => {
    expect(indexesUsed(await explainFind('fans', segment(expr)))).toContain(index);
  });

  it('counts /stats new and recently active fans, and this month pushes, by index', async () => {
    const since = (days: number) => new Date(now.getTime() - days * DAY);
    expect(indexesUsed(await explainFind('fans', { subscribed: true, subscribedAt: { $gt: since(2) } }))).toContain('subscribedAt_-1');
    expect(indexesUsed(await explainFind('fans', { subscribed: true, lastSeenAt: { $gt: since(3) } }))).toContain(
      'subscribed_1_lastSeenAt_-1',
    );
    const pushes = await explainAggregate('fans', [
      { $match: { 'massPushes.month': month } },
      { $group: { _id: null, pushes: { $sum: '$massPushes.count' } } },
    ]);
    expect(indexesUsed(pushes)).toContain('massPushes.month_1_massPushes.count_1');
    expect(indexesUsed(await explainFind('fans', quotaBlockedCondition(now, month, limits)))).toContain(
      'massPushes.month_1_massPushes.count_1',
    );
  });

  it('counts /tags from the tags index', async () => {
    const plan = await explainAggregate('fans', [
      { $match: { subscribed: true, 'tags.name': { $exists: true } } },
      { $unwind: '$tags' },
      { $group: { _id: '$tags.name', count: { $sum: 1 } } },
    ]);
    expect(indexesUsed(plan)).toContain('tags.name_1');
  });

  it('reserves and gives back the monthly quota by index', async () => {
    const openIds = Array.from({ length: 100 }, (_, i) => `oPlan${String(i * 7).padStart(5, '0')}`);
    const filter = admissionFilter(openIds, { connection: db.connection, openIds, batchKey: 'b1', month, now, limit: 4, minGapMs: DAY });
    // Both go through the openids of the batch: no index on the batch keys is kept for them.
    const admission = indexesUsed(await explainFind('fans', filter));
    expect(admission).toContain('openId_1');
    const release = { openId: { $in: openIds }, 'massPushes.batches': 'batch3', 'massPushes.month': month };
    expect(indexesUsed(await explainFind('fans', release))).toContain('openId_1');
  });

  it('finds the fans the privacy purge may delete through the index of unfollowed fans', async () => {
    const purgeable = { subscribed: false, unsubscribedAt: { $lt: new Date(now.getTime() - 30 * DAY) }, purgedAt: { $exists: false } };
    expect(indexesUsed(await explainFind('fans', purgeable))).toContain('subscribed_1_unsubscribedAt_1_unfollowed');
  });

  it('finds the orders that name their buyer by unionid through the sparse unionId index', async () => {
    const orders = getOrderModel(db.connection);
    await orders.init();
    const row = (i: number) => ({ _id: `P${i}`, amountFen: 100, paidAt: now, receivedAt: now, items: [] });
    await orders.insertMany(
      Array.from({ length: 200 }, (_, i) => (i % 20 === 0 ? { ...row(i), unionId: `u${i}` } : { ...row(i), openId: `oPlan${i}` })),
    );
    const plan = await explainFind('orders', { unionId: 'u40', openId: { $exists: false } });
    expect(indexesUsed(plan)).toContain('unionId_1_sparse');
  });

  it('reads the members of a synced WeChat tag and the fans the tag sync must visit by index', async () => {
    expect(indexesUsed(await explainFind('fans', { subscribed: true, syncedTags: 'tag8' }))).toContain('syncedTags_1');
    expect(indexesUsed(await explainFind('fans', { tagsDirty: true }))).toContain('tagsDirty_1_dirty');
  });

  it('selects the fans the hourly tag sweep must read through the updatedAt, lastSeenAt and subscribedAt indexes', async () => {
    const rules = (await RuleRegistry.load('templates')).sweepRules;
    const filter = { purgedAt: { $exists: false }, $or: sweepCandidates(rules, new Date(now.getTime() - 3_600_000), now) };
    const used = indexesUsed(await explainFind('fans', filter));
    expect([...used].sort()).toEqual(expect.arrayContaining(['subscribedAt_-1', 'subscribed_1_lastSeenAt_-1', 'updatedAt_1']));
  });

  it('finds the next due Agenda job through the index Agenda creates', async () => {
    const due = {
      name: 'job.3',
      disabled: { $ne: true },
      $or: [{ lockedAt: { $eq: null }, nextRunAt: { $lte: now } }, { lockedAt: { $lte: new Date(now.getTime() - 10 * 60_000) } }],
    };
    const plan = await explainFind('agendaJobs', due, { nextRunAt: 1, priority: -1 });
    expect(indexesUsed(plan)).toContain('findAndLockNextJobIndex');
  });

  it('looks handoffs up by short id, by staff member and by fan through their indexes', async () => {
    expect(indexesUsed(await explainFind('handoffs', { shortId: 'H0042' }))).toContain('shortId_1');
    expect(indexesUsed(await explainFind('handoffs', { staffOpenId: 'oStaff7', status: 'held' }))).toContain('staffOpenId_1_status_1');
    expect(indexesUsed(await explainFind('handoffs', { openId: 'oPlan00042', status: { $in: ['queued', 'held'] } }))).toContain(
      'openId_1_createdAt_-1',
    );
  });

  it('finds an interaction by its dedupe key and a fan’s latest messages through their indexes', async () => {
    expect(indexesUsed(await explainFind('interactions', { dedupeKey: 'msg:1234' }))).toContain('dedupeKey_1');
    const latest = await explainFind('interactions', { openId: 'oPlan00042', msgType: { $ne: 'event' } }, { receivedAt: -1 });
    expect(indexesUsed(latest)).toContain('openId_1_receivedAt_-1');
  });
});

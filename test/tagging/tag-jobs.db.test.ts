import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { getInteractionModel } from '../../src/interactions/interaction-model.js';
import { purgeUnfollowed } from '../../src/jobs/purge-unfollowed.js';
import { sweepTags } from '../../src/jobs/sweep-tags.js';
import { syncWechatTags } from '../../src/jobs/sync-wechat-tags.js';
import { ManualClock } from '../../src/lib/clock.js';
import { applyTagChanges } from '../../src/tagging/apply-tag-changes.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
const now = new Date('2026-11-20T10:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
});
afterAll(async () => {
  await app?.close();
});

const fans = () => getFanModel(app.connection);
const seed = (openId: string, fields: Partial<Fan>) =>
  fans().create({ openId, subscribed: true, firstSeenAt: daysAgo(400), lastSeenAt: now, ...fields });
const deps = () => ({
  connection: app.connection,
  rules: app.fanhook.rules,
  logger: app.fanhook.handoff.logger,
  clock: new ManualClock(now),
  api: app.fanhook.api,
});
const wechatTagsOf = async (openId: string) => {
  const { tagid_list } = await app.fanhook.api.post<{ tagid_list: number[] }>('/cgi-bin/tags/getidlist', { openid: openId });
  return tagid_list;
};

describe('tag sweep', () => {
  it('moves fans between new, active and dormant with the rule as the reason, in bulk', async () => {
    await seed('oSweepNew', { subscribedAt: daysAgo(2), lastSeenAt: daysAgo(2), activity: 'new' });
    await seed('oSweepActive', {
      subscribedAt: daysAgo(20),
      lastSeenAt: daysAgo(3),
      activity: 'new',
      tags: [{ name: '新粉', source: 'rule', ruleId: 'tier-new', at: daysAgo(20) }],
    });
    await seed('oSweepDormant', {
      subscribedAt: daysAgo(200),
      lastSeenAt: daysAgo(45),
      activity: 'active',
      tags: [{ name: '活跃', source: 'rule', ruleId: 'tier-active', at: daysAgo(100) }],
    });
    const result = await sweepTags(deps());
    expect(result.scanned).toBeGreaterThanOrEqual(3);
    const byId = async (openId: string) => fans().findOne({ openId }).lean();
    expect(await byId('oSweepNew')).toMatchObject({
      activity: 'new',
      tags: [expect.objectContaining({ name: '新粉', ruleId: 'tier-new', at: now })],
    });
    expect(await byId('oSweepActive')).toMatchObject({
      activity: 'active',
      tags: [expect.objectContaining({ name: '活跃', ruleId: 'tier-active' })],
    });
    expect(await byId('oSweepDormant')).toMatchObject({
      activity: 'dormant',
      tagsDirty: true,
      tags: [expect.objectContaining({ name: '沉睡', ruleId: 'tier-dormant' })],
    });
    const again = await sweepTags(deps());
    expect(again.updated).toBe(0);
  });

  it('sweeps thousands of fans in several writes at once, reading and changing each fan once', async () => {
    const many = 2_500;
    await fans().collection.insertMany(
      Array.from({ length: many }, (_, i) => ({
        openId: `oSweepMany${i}`,
        subscribed: true,
        subscribedAt: daysAgo(200),
        firstSeenAt: daysAgo(200),
        lastSeenAt: daysAgo(45),
        activity: 'active',
        tags: [{ name: '活跃', source: 'rule', ruleId: 'tier-active', at: daysAgo(100) }],
        updatedAt: now,
      })),
    );
    // No mark: the sweep reads every fan, as the first one after a rules change does.
    await app.connection.collection('sweep_marks').deleteMany({});
    const result = await sweepTags(deps());
    expect(result.scanned).toBe(await fans().countDocuments({ purgedAt: { $exists: false } }));
    expect(result.updated).toBe(many);
    const swept = await fans()
      .find({ openId: /^oSweepMany/ }, { activity: 1, tags: 1, tagsRev: 1 })
      .lean();
    expect(swept).toHaveLength(many);
    for (const fan of swept) {
      expect(fan).toMatchObject({
        activity: 'dormant',
        tagsRev: 1,
        tags: [expect.objectContaining({ name: '沉睡', ruleId: 'tier-dormant' })],
      });
      expect(fan.tags).toHaveLength(1);
    }
    expect((await sweepTags(deps())).updated).toBe(0);
  });
});

describe('WeChat tag sync', () => {
  it('creates each synced WeChat tag once, tags in batches of at most 50, and only for sync tags', async () => {
    const openIds = Array.from({ length: 60 }, (_, i) => `oSync${String(i).padStart(3, '0')}`);
    const tags = [
      { name: '杭州门店', source: 'rule', ruleId: 'source-store-hz', at: now },
      { name: '孕妈', source: 'rule', ruleId: 'maternity-words', at: now },
    ];
    await fans().insertMany(
      openIds.map((openId) => ({ openId, subscribed: true, firstSeenAt: now, lastSeenAt: now, tags, tagsDirty: true, tagsRev: 1 })),
    );
    const result = await syncWechatTags(deps());
    expect(result.fans).toBeGreaterThanOrEqual(60);
    const created = app.fake.callsTo('/cgi-bin/tags/create').map((c) => (c.body as { tag: { name: string } }).tag.name);
    expect(created.filter((name) => name === '杭州门店')).toHaveLength(1);
    expect(created).not.toContain('孕妈');
    await syncWechatTags(deps());
    expect(app.fake.callsTo('/cgi-bin/tags/create')).toHaveLength(created.length);
    const hzTagId = (await app.fanhook.api.get<{ tags: { id: number; name: string }[] }>('/cgi-bin/tags/get')).tags.find(
      (t) => t.name === '杭州门店',
    )?.id;
    const batches = app.fake
      .callsTo('/cgi-bin/tags/members/batchtagging')
      .map((c) => c.body as { openid_list: string[]; tagid: number })
      .filter((body) => body.tagid === hzTagId)
      .map((body) => body.openid_list.length);
    expect(batches).toEqual([50, 10]);
    expect(await wechatTagsOf('oSync007')).toHaveLength(1);
    expect(await fans().countDocuments({ openId: { $in: openIds }, tagsDirty: true })).toBe(0);
    expect((await fans().findOne({ openId: 'oSync007' }).lean())?.syncedTags).toEqual(['杭州门店']);
  });

  it('untags on WeChat when the tag is removed, and resumes after a failed call without losing work', async () => {
    await applyTagChanges({ connection: app.connection, openId: 'oSync001', remove: ['杭州门店'], now });
    app.fake.failNext('/cgi-bin/tags/members/batchuntagging', -1, { times: 3 });
    await expect(syncWechatTags(deps())).rejects.toThrow('batchuntagging');
    expect((await fans().findOne({ openId: 'oSync001' }).lean())?.tagsDirty).toBe(true);
    await syncWechatTags(deps());
    expect(await wechatTagsOf('oSync001')).toEqual([]);
    expect(await fans().findOne({ openId: 'oSync001' }).lean()).toMatchObject({ tagsDirty: false, syncedTags: [] });
  });

  it('forgets the WeChat tags of a fan who unfollows and tags them again when they come back', async () => {
    const taggedWith = (openId: string) =>
      app.fake
        .callsTo('/cgi-bin/tags/members/batchtagging')
        .filter((c) => (c.body as { openid_list: string[] }).openid_list.includes(openId)).length;
    await app.fan('oSync002').unfollow();
    expect(await fans().findOne({ openId: 'oSync002' }).lean()).toMatchObject({ subscribed: false, syncedTags: [], tagsDirty: true });
    const before = taggedWith('oSync002');
    await syncWechatTags(deps());
    // Nothing to call for a fan who left (WeChat refuses them); the record is settled.
    expect(taggedWith('oSync002')).toBe(before);
    expect((await fans().findOne({ openId: 'oSync002' }).lean())?.tagsDirty).toBe(false);

    await app.fan('oSync002').follow();
    expect((await fans().findOne({ openId: 'oSync002' }).lean())?.tagsDirty).toBe(true);
    await syncWechatTags(deps());
    expect(taggedWith('oSync002')).toBeGreaterThan(before);
    expect((await fans().findOne({ openId: 'oSync002' }).lean())?.syncedTags).toContain('杭州门店');
  });
});

describe('privacy purge', () => {
  it('purges personal data of fans unfollowed longer than the retention and keeps anonymous counts', async () => {
    await seed('oGoneLongAgo', {
      subscribed: false,
      unsubscribedAt: daysAgo(31),
      source: 'store_hz',
      counts: { text: 7 },
      attributes: { size: 'M' },
      location: { latitude: 30, longitude: 120, region: '浙江', at: daysAgo(40) },
      tags: [{ name: 'VIP', source: 'manual', at: daysAgo(50) }],
    });
    await seed('oGoneRecently', { subscribed: false, unsubscribedAt: daysAgo(5), attributes: { size: 'L' } });
    await getInteractionModel(app.connection).create({
      dedupeKey: 'purge-1',
      openId: 'oGoneLongAgo',
      kind: 'text',
      msgType: 'text',
      sentAt: daysAgo(40),
      receivedAt: daysAgo(40),
      payload: { Content: '我的电话是…' },
      status: 'done',
    });
    const purged = await purgeUnfollowed({ ...deps(), afterDays: 30 });
    expect(purged).toBe(1);
    expect(await fans().countDocuments({ openId: 'oGoneLongAgo' })).toBe(0);
    expect(await getInteractionModel(app.connection).countDocuments({ openId: 'oGoneLongAgo' })).toBe(0);
    const anonymous = await fans().findOne({ purgedAt: now }).lean();
    expect(anonymous).toMatchObject({ subscribed: false, source: 'store_hz', counts: { text: 7 }, attributes: {}, tags: [] });
    expect(anonymous?.openId).toMatch(/^anon_/);
    expect(anonymous?.location).toBeUndefined();
    expect((await fans().findOne({ openId: 'oGoneRecently' }).lean())?.attributes).toEqual({ size: 'L' });
  });
});

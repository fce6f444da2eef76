import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { FanIdCache } from '../../src/fans/fan-id-cache.js';
import { startHarness, type Harness } from '../support/harness.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
let app: Harness;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
  // Two known fans (their ids cached by the pipeline) and one this process never saw.
  await app.fan('oKnownA').sendText('你好');
  await app.fan('oKnownB').sendText('你好');
  const now = new Date();
  await getFanModel(app.connection).create({ openId: 'oUnseen', subscribed: true, firstSeenAt: now, lastSeenAt: now });
});
afterAll(async () => {
  await app?.close();
});

describe('fan writes selected by openid (sent by _id for known fans)', () => {
  it('knows the fans that wrote and not the one that did not', () => {
    const cache = FanIdCache.of(app.connection);
    expect(cache.get('oKnownA')).toBeDefined();
    expect(cache.get('oUnseen')).toBeUndefined();
  });

  it('applies a conditional update to the right fan only while its condition holds', async () => {
    const fans = getFanModel(app.connection);
    const rev = (await fans.findOne({ openId: 'oKnownA' }).lean())?.tagsRev ?? 0;
    const first = await fans.updateOne({ openId: 'oKnownA', tagsRev: rev }, { $set: { 'attributes.size': 'L' }, $inc: { tagsRev: 1 } });
    const stale = await fans.updateOne({ openId: 'oKnownA', tagsRev: rev }, { $set: { 'attributes.size': 'XL' } });
    expect([first.modifiedCount, stale.modifiedCount]).toEqual([1, 0]);
    expect((await fans.findOne({ openId: 'oKnownA' }).lean())?.attributes?.size).toBe('L');
    expect((await fans.findOne({ openId: 'oKnownB' }).lean())?.attributes?.size).toBeUndefined();
  });

  it('still finds and updates a fan this process never cached', async () => {
    const fans = getFanModel(app.connection);
    const result = await fans.updateOne({ openId: 'oUnseen', subscribed: true }, { $set: { 'attributes.city': '杭州' } });
    expect(result.modifiedCount).toBe(1);
    expect((await fans.findOne({ openId: 'oUnseen' }).lean())?.attributes?.city).toBe('杭州');
  });
});

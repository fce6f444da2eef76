/**
 * The monthly mass-push quota under concurrency: reservations from several broadcasts and
 * instances (each on its own connection) and the tag sweep writing the same fans at once.
 */
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseMassQuota, reserveMassQuota } from '../../src/broadcast/mass-quota.js';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { sweepTags } from '../../src/jobs/sweep-tags.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { RuleRegistry } from '../../src/tagging/rule-registry.js';
import { useTestDb } from '../support/db.js';
import { fanDoc, seedFans } from './broadcast-support.js';

const db = useTestDb();
const now = new Date('2026-11-20T10:00:00Z');
const month = '2026-11';
const limits = { month, now, limit: 4, minGapMs: 0 };
const others: Connection[] = [];

beforeAll(async () => {
  await getFanModel(db.connection).init();
  for (let i = 0; i < 3; i += 1) {
    others.push(await mongoose.createConnection(db.uri).asPromise());
  }
});
afterAll(async () => {
  await Promise.all(others.map((connection) => connection.close()));
});

const pushesOf = async (openIds: readonly string[]) =>
  new Map(
    (
      await getFanModel(db.connection)
        .find({ openId: { $in: openIds } }, { openId: 1, massPushes: 1 })
        .lean<Fan[]>()
    ).map((fan) => [fan.openId, fan.massPushes.count]),
  );

describe('mass quota reservation', () => {
  it('gives the last push of the month to one of five broadcasts reserving the same fans at once', async () => {
    const openIds = await seedFans(db.connection, 'oLast', 300, now, () => ({ massPushes: { month, count: 3 } }));
    const admitted = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        reserveMassQuota({ connection: others[i % others.length]!, openIds, batchKey: `last-${i}`, ...limits }),
      ),
    );
    const timesAdmitted = new Map<string, number>();
    for (const openId of admitted.flat()) {
      timesAdmitted.set(openId, (timesAdmitted.get(openId) ?? 0) + 1);
    }
    expect([...timesAdmitted.keys()].sort()).toEqual([...openIds].sort());
    expect([...timesAdmitted.values()].every((times) => times === 1)).toBe(true);
    expect(new Set((await pushesOf(openIds)).values())).toEqual(new Set([4]));
  });

  it('counts a fan once when two instances resume the same batch at once, and admits the same fans to both', async () => {
    const openIds = await seedFans(db.connection, 'oTwice', 200, now, (i) => ({
      massPushes: i % 10 === 0 ? { month, count: 4 } : { month: '2026-10', count: 4 },
    }));
    const [first, second] = await Promise.all(
      [others[0]!, others[1]!].map((connection) => reserveMassQuota({ connection, openIds, batchKey: 'twice', ...limits })),
    );
    const underLimit = openIds.filter((_, i) => i % 10 !== 0);
    expect(first).toEqual(underLimit);
    expect(second).toEqual(underLimit);
    const pushes = await pushesOf(openIds);
    expect(underLimit.every((openId) => pushes.get(openId) === 1)).toBe(true);
    expect(openIds.filter((_, i) => i % 10 === 0).every((openId) => pushes.get(openId) === 4)).toBe(true);
  });

  it('keeps every count a reservation made while the tag sweep rewrites the same fans', async () => {
    const openIds = await seedFans(db.connection, 'oSwept', 400, now, () => ({
      activity: 'new',
      massPushes: { month, count: 2 },
    }));
    const rules = await RuleRegistry.load('templates');
    const [swept, admitted] = await Promise.all([
      sweepTags({ connection: others[0]!, rules, clock: new ManualClock(now), logger: silentLogger }),
      reserveMassQuota({ connection: others[1]!, openIds, batchKey: 'during-sweep', ...limits }),
    ]);
    expect(swept.updated).toBeGreaterThanOrEqual(openIds.length);
    expect(admitted).toEqual(openIds);
    const fans = await getFanModel(db.connection)
      .find({ openId: { $in: openIds } }, { activity: 1, massPushes: 1 })
      .lean<Fan[]>();
    expect(fans.every((fan) => fan.massPushes.count === 3 && fan.activity === 'active')).toBe(true);
  }, 120_000);

  it('gives back only the pushes of the batch that was refused', async () => {
    const openIds = await seedFans(db.connection, 'oBack', 50, now);
    await reserveMassQuota({ connection: db.connection, openIds, batchKey: 'kept', ...limits });
    await reserveMassQuota({ connection: db.connection, openIds, batchKey: 'refused', ...limits });
    await releaseMassQuota({ connection: db.connection, openIds, batchKey: 'refused', month });
    await releaseMassQuota({ connection: db.connection, openIds, batchKey: 'refused', month });
    expect(new Set((await pushesOf(openIds)).values())).toEqual(new Set([1]));
  });

  it('leaves out unfollowed fans and fans pushed within the minimum gap', async () => {
    const recent = new Date(now.getTime() - 3_600_000);
    await getFanModel(db.connection).insertMany([
      fanDoc('oGapGone', now, { subscribed: false }),
      fanDoc('oGapRecent', now, { massPushes: { month, count: 1, lastAt: recent } }),
      fanDoc('oGapOk', now, { massPushes: { month, count: 1, lastAt: new Date(now.getTime() - 3 * 86_400_000) } }),
    ]);
    const admitted = await reserveMassQuota({
      connection: db.connection,
      openIds: ['oGapGone', 'oGapRecent', 'oGapOk', 'oGapNobody'],
      batchKey: 'gap',
      ...limits,
      minGapMs: 86_400_000,
    });
    expect(admitted).toEqual(['oGapOk']);
  });
});

/**
 * The hourly tag sweep after the first: only the fans that can have changed since the previous
 * sweep are read — those written since, and those a time boundary passed — and they end up as
 * a full sweep would leave them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { sweepTags } from '../../src/jobs/sweep-tags.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { applyTagChanges } from '../../src/tagging/apply-tag-changes.js';
import { RuleRegistry } from '../../src/tagging/rule-registry.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
const DAY = 86_400_000;

beforeAll(async () => {
  await getFanModel(db.connection).init();
});

/** A fan as the previous sweeps left it: dormant for `idleDays`, tagged 沉睡 by the tier rule. */
function dormantFan(openId: string, lastSeenAt: Date, tier: 'active' | 'dormant'): Partial<Fan> {
  const tag = tier === 'dormant' ? { name: '沉睡', ruleId: 'tier-dormant' } : { name: '活跃', ruleId: 'tier-active' };
  const longAgo = new Date(lastSeenAt.getTime() - 200 * DAY);
  return {
    openId,
    subscribed: true,
    subscribedAt: longAgo,
    firstSeenAt: longAgo,
    lastSeenAt,
    activity: tier,
    tags: [{ ...tag, source: 'rule', at: longAgo }],
    attributes: {},
    daily: {},
    updatedAt: new Date(lastSeenAt.getTime() + DAY),
  };
}

describe('tag sweep after the first', () => {
  it('reads only the fans written since the last sweep or past a boundary, and leaves them as a full sweep would', async () => {
    const rules = await RuleRegistry.load('templates');
    const first = new Date();
    const sweep = (now: Date) => sweepTags({ connection: db.connection, rules, clock: new ManualClock(now), logger: silentLogger });
    const steady = Array.from({ length: 200 }, (_, i) => dormantFan(`oSteady${i}`, new Date(first.getTime() - (100 + i) * DAY), 'dormant'));
    await db.connection.collection('fans').insertMany([
      ...steady,
      dormantFan('oEdited', new Date(first.getTime() - 100 * DAY), 'dormant'),
      // Turns dormant half a minute after the first sweep.
      dormantFan('oCrossing', new Date(first.getTime() - 30 * DAY + 30_000), 'active'),
    ]);
    expect((await sweep(first)).scanned).toBe(202);
    await applyTagChanges({ connection: db.connection, openId: 'oEdited', remove: ['沉睡'], now: first });

    const second = await sweep(new Date(first.getTime() + 60_000));
    expect(second.scanned).toBe(2);
    const byId = (openId: string) => getFanModel(db.connection).findOne({ openId }).lean();
    expect(await byId('oCrossing')).toMatchObject({ activity: 'dormant', tags: [expect.objectContaining({ name: '沉睡' })] });
    expect((await byId('oEdited'))?.tags.map((tag) => tag.name)).toEqual(['沉睡']);
  });
});

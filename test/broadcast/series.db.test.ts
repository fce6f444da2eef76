import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastModel } from '../../src/broadcast/broadcast-model.js';
import { runBroadcast } from '../../src/broadcast/run-broadcast.js';
import { fireDueSeries } from '../../src/broadcast/series.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { askAs, fanDoc } from './broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
// 2026-12-01 09:00:30 in Shanghai: birthday care (09:00) is due.
const clock = new ManualClock(new Date('2026-12-01T01:00:30Z'));
const DAY = 86_400_000;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, clock, env: { ADMIN_OPENIDS: 'oAdminSeries' } });
  const now = clock.now();
  await getFanModel(app.connection).insertMany([
    fanDoc('oAdminSeries', now),
    fanDoc('oBday1', now, { attributes: { birthday: '1990-12-01' } }),
    fanDoc('oBday2', now, { attributes: { birthday: '12-01' } }),
    fanDoc('oBdayNot', now, { attributes: { birthday: '1990-11-12' } }),
    fanDoc('oJoined1', now, { subscribedAt: new Date(now.getTime() - DAY) }),
    fanDoc('oJoined2', now, { subscribedAt: new Date(now.getTime() - DAY - 3_600_000) }),
  ]);
});
afterAll(async () => {
  await app?.close();
});

describe('product series', () => {
  it('sends birthday care once a day to the fans whose birthday is today, rendered from the template', async () => {
    const [number] = await fireDueSeries(app.fanhook.broadcast);
    expect(await fireDueSeries(app.fanhook.broadcast)).toEqual([]);
    await runBroadcast(app.fanhook.broadcast, number!);
    const [job] = app.fake.massJobs();
    expect([...(job?.openIds ?? [])].sort()).toEqual(['oBday1', 'oBday2']);
    expect(JSON.stringify(job?.content)).toContain('生日快乐');
    expect((await getBroadcastModel(app.connection).findOne({ number }).lean())?.expr).toBe('生日关怀');
  });

  it("sends welcome day 1 to yesterday's followers at 10:00", async () => {
    clock.set(new Date('2026-12-01T02:00:10Z'));
    const numbers = await fireDueSeries(app.fanhook.broadcast);
    expect(numbers).toHaveLength(2);
    for (const number of numbers) {
      await runBroadcast(app.fanhook.broadcast, number);
    }
    const welcome = app.fake.massJobs().find((job) => JSON.stringify(job.content).includes('谢谢关注'));
    expect([...(welcome?.openIds ?? [])].sort()).toEqual(['oJoined1', 'oJoined2']);
  });

  it('lists the series in /jobs', async () => {
    expect(await askAs(app, 'oAdminSeries', '/jobs')).toContain('生日关怀：每天 09:00');
  });
});

/**
 * Schedules by chat: a one-off schedule made on one instance fires on another after a
 * restart; a recurring one shows in /jobs, each firing sends a fresh copy, /cancel stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastModel } from '../../src/broadcast/broadcast-model.js';
import { zonedParts } from '../../src/broadcast/zoned-time.js';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { REPEAT_BROADCAST_JOB } from '../../src/jobs/repeat-broadcast.js';
import { askAs, fanDoc, waitForBroadcast } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();
const ADMIN = 'oAdminSchedule';
const env = { ADMIN_OPENIDS: ADMIN };
let fake: FakeWechatApi;
const running: Harness[] = [];

/** `YYYY-MM-DD HH:mm:ss` of `date` in Asia/Shanghai (the default time zone). */
function shanghai(date: Date): string {
  const p = zonedParts(date, 'Asia/Shanghai');
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

beforeAll(async () => {
  fake = await startFakeWechatApi();
  const now = new Date();
  const tags = [{ name: 'weekly', source: 'manual' as const, at: now }];
  await getFanModel(db.connection).insertMany([fanDoc(ADMIN, now), fanDoc('oWeekly1', now, { tags }), fanDoc('oWeekly2', now, { tags })]);
});
afterAll(async () => {
  for (const app of running) {
    await app.close();
  }
  await fake?.close();
});

describe('scheduled broadcasts', () => {
  it('fires a one-off schedule made before a restart on the instance that came up after it', async () => {
    const before = await startHarness({ dbUri: db.uri, fake, env });
    expect(await askAs(before, ADMIN, '/broadcast tag:weekly | 周五晚 8 点直播预告')).toContain('草稿 #1');
    const at = shanghai(new Date(Date.now() + 4_000));
    expect(await askAs(before, ADMIN, `/定时 1 ${at}`)).toContain('#1 将在');
    expect(await askAs(before, ADMIN, '/jobs')).toMatch(/#1 定时，下次 \d{4}-\d\d-\d\d \d\d:\d\d/);
    await before.close();
    expect(fake.massJobs()).toHaveLength(0);

    const after = await startHarness({ dbUri: db.uri, fake, env, startJobs: true });
    running.push(after);
    await waitForBroadcast(after.connection, 1, 'sent', 30_000);
    expect(fake.massJobs().map((job) => [...job.openIds].sort())).toEqual([['oWeekly1', 'oWeekly2']]);
  });

  it('refuses a time in the past and a date that does not exist', async () => {
    const app = running[0]!;
    await askAs(app, ADMIN, '/broadcast tag:weekly | 测试');
    expect(await askAs(app, ADMIN, '/schedule 2 2020-01-01 10:00')).toContain('这个时间已经过去了');
    expect(await askAs(app, ADMIN, '/schedule 2 2026-02-30 10:00')).toContain('没有这一天');
  });

  it('repeats every week, sends a fresh copy at each firing, and stops on /cancel', async () => {
    const app = running[0]!;
    const answer = await askAs(app, ADMIN, '/schedule 2 每周二 10:00');
    expect(answer).toMatch(/#2 已设为重复群发「每周二 10:00」，下次 \d{4}-\d\d-\d\d 10:00/);
    expect(await askAs(app, ADMIN, '/jobs')).toContain('#2 重复「每周二 10:00」');
    // Tuesday is not today in every test run: fire the recurring job now, as Agenda would.
    await app.fanhook.agenda.now(REPEAT_BROADCAST_JOB, { broadcast: 2 });
    const copy = await waitFor(
      () => getBroadcastModel(app.connection).findOne({ parent: 2 }).lean(),
      (b) => b?.state === 'sent',
      30_000,
    );
    expect(copy).toMatchObject({ expr: 'tag:weekly', confirmedBy: ADMIN });
    expect(fake.massJobs()).toHaveLength(2);
    expect(await askAs(app, ADMIN, '/cancel 2')).toContain('#2 已取消，定时任务已删除');
    const left = await app.fanhook.agenda.queryJobs({ name: REPEAT_BROADCAST_JOB });
    expect(left.jobs).toHaveLength(0);
  });
});

/**
 * The worker process dies by SIGKILL in the middle of a broadcast and is started again: no fan
 * gets the message twice. fanhook runs as a real child process (test/support/fanhook-process.ts)
 * and is killed at the worst moment: WeChat has accepted the 3rd of 3 mass batches, but its
 * answer never reached fanhook. The restarted process must repeat that call with the same
 * clientmsgid (WeChat answers 45065) instead of creating a second mass job.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { useTestDb } from '../support/db.js';
import {
  askProcess,
  broadcastCrashEnv,
  customTexts,
  explainedBy,
  startFanhookProcess,
  type FanhookProcess,
} from '../support/fanhook-process.js';
import { MASS_SEND, startHoldingProxy, type HoldingProxy } from '../support/holding-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { batchesOf, fanDoc, finishMassJobs, seedFans, waitForBroadcast } from './broadcast-support.js';

const db = useTestDb();
const ADMIN = 'oAdminSigkill';
const TAG = 'sigkill';
const FANS = 300;
const BATCH = 100;
const TEXT = '会员日：全场 8 折，仅限今天';

let fake: FakeWechatApi;
let proxy: HoldingProxy;
let dataDir: string;
const processes: FanhookProcess[] = [];

const ask = (target: FanhookProcess, openId: string, text: string): Promise<string> => askProcess(fake, target, openId, text);

beforeAll(async () => {
  fake = await startFakeWechatApi();
  proxy = await startHoldingProxy(fake.url, 3);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-sigkill-'));
  const now = new Date();
  await db.connection.collection('fans').insertOne(fanDoc(ADMIN, now));
  // A tag no rules file syncs to WeChat: the broadcast goes as OpenID batches of BATCH.
  await seedFans(db.connection, 'oKill', FANS, now, () => ({ tags: [{ name: TAG, source: 'rule', ruleId: 'r1', at: now }] }));
});
afterAll(async () => {
  // Runs before useTestDb drops the database: no process is left writing to it, or running at all.
  for (const child of processes) {
    await child.kill('SIGKILL');
  }
  await proxy?.close();
  await fake?.close();
  if (dataDir) {
    await rm(dataDir, { recursive: true, force: true });
  }
});

describe('a fanhook process killed with SIGKILL mid-broadcast, then restarted', () => {
  it('resumes the broadcast and sends nothing twice', async () => {
    const env = broadcastCrashEnv({ dbUri: db.uri, fake, apiBase: proxy.url, admin: ADMIN, batchSize: BATCH, dataDir });
    const first = await startFanhookProcess({ env });
    processes.push(first);
    // The admin's message opens the 48-hour window the final report is sent through.
    await first.fan(ADMIN).sendText('你好');
    const draft = await ask(first, ADMIN, `/broadcast tag:${TAG} | ${TEXT}`);
    expect(draft).toContain('草稿 #1 已创建');
    expect(draft).toContain('需 3 次群发调用');
    expect(await ask(first, ADMIN, '/confirm 1')).toContain('#1 开始发送');

    // WeChat accepted batches 1 and 2 (answered) and batch 3 (answer held back): kill now.
    const heldAnswer = await explainedBy(
      [first],
      waitFor(
        () => proxy.heldAnswer(),
        (answer) => answer !== undefined,
        30_000,
      ),
    );
    const killed = await first.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(fake.massJobs()).toHaveLength(3);
    // msg_id is above 2^53: quote it before JSON.parse would round it.
    const acceptedMsgId = (JSON.parse(heldAnswer!.replace(/"msg_id":(\d+)/, '"msg_id":"$1"')) as { msg_id: string }).msg_id;
    // The crash is the one that matters: batch 3 reached WeChat, fanhook never recorded it.
    expect((await batchesOf(db.connection, 1)).map((b) => b.state)).toEqual(['accepted', 'accepted', 'reserved']);

    const second = await startFanhookProcess({ env });
    processes.push(second);
    await explainedBy([first, second], waitForBroadcast(db.connection, 1, 'sent', 45_000));

    // Batch 3 went again with its clientmsgid, WeChat said "already sent", no new job.
    const sends = fake.callsTo(MASS_SEND);
    expect(sends.map((call) => call.errcode)).toEqual([0, 0, 0, 45065]);
    const jobs = fake.massJobs();
    expect(jobs.map((job) => job.openIds.length)).toEqual([BATCH, BATCH, BATCH]);
    expect(new Set(jobs.map((job) => job.clientMsgId)).size).toBe(3);
    expect(sends[3]?.body).toMatchObject({ clientmsgid: jobs[2]?.clientMsgId });
    const batches = await batchesOf(db.connection, 1);
    expect(batches.map((b) => b.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(batches.map((b) => b.msgId)).toEqual(jobs.map((job) => job.msgId));
    expect(batches[2]?.msgId).toBe(acceptedMsgId);

    // What the merchant would notice: everyone in the segment got exactly one push, and used one of four this month.
    const received = new Map<string, number>();
    for (const job of jobs) {
      for (const openId of job.deliveredTo) {
        received.set(openId, (received.get(openId) ?? 0) + 1);
      }
    }
    expect(received.size).toBe(FANS);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    const fans = getFanModel(db.connection);
    expect(await fans.countDocuments({ 'tags.name': TAG })).toBe(FANS);
    expect(await fans.countDocuments({ 'tags.name': TAG, 'massPushes.count': { $ne: 1 } })).toBe(0);
    expect(fake.unexpected).toEqual([]);

    // WeChat reports each job done; the admin gets one report that adds up.
    await finishMassJobs(second, jobs);
    await explainedBy([second], waitForBroadcast(db.connection, 1, 'finished', 30_000));
    const reports = await explainedBy(
      [second],
      waitFor(
        () => customTexts(fake, ADMIN).filter((text) => text.startsWith('群发 #1 报告')),
        (found) => found.length > 0,
        30_000,
      ),
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('群发：3 批（已提交 3，微信已回执 3）');
    expect(reports[0]).toContain(`群发结果：提交 ${FANS} 人，发送成功 ${FANS}`);
  }, 120_000);
});

/**
 * Two fanhook processes share the database; the one sending a broadcast dies by SIGKILL while
 * the other keeps running (issue 12 item 10). The survivor takes the broadcast over once the
 * dead one's job lock expires, repeats the batch WeChat had accepted without telling anyone
 * with the same clientmsgid (WeChat answers 45065), and finishes: no batch is sent twice.
 * Builds on test/broadcast/sigkill-resume.db.test.ts, where the one process is restarted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { batchesOf, fanDoc, seedFans, waitForBroadcast } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { askProcess, broadcastCrashEnv, explainedBy, startFanhookProcess, type FanhookProcess } from '../support/fanhook-process.js';
import { MASS_SEND, startHoldingProxy, type HoldingProxy } from '../support/holding-proxy.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();
const ADMIN = 'oAdminSurvivor';
const TAG = 'survivor';
const FANS = 300;
const BATCH = 100;

let fake: FakeWechatApi;
let proxy: HoldingProxy;
const dataDirs: string[] = [];
const processes: FanhookProcess[] = [];

beforeAll(async () => {
  fake = await startFakeWechatApi();
  proxy = await startHoldingProxy(fake.url, 3);
  const now = new Date();
  await db.connection.collection('fans').insertOne(fanDoc(ADMIN, now));
  await seedFans(db.connection, 'oSurv', FANS, now, () => ({ tags: [{ name: TAG, source: 'rule', ruleId: 'r1', at: now }] }));
});
afterAll(async () => {
  for (const child of processes) {
    await child.kill('SIGKILL');
  }
  await proxy?.close();
  await fake?.close();
  for (const dir of dataDirs) {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A fanhook process (both roles) whose WeChat calls carry `prefix`, so the proxy tells them apart. */
async function instance(prefix: string): Promise<FanhookProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `fanhook-survivor-${prefix}-`));
  dataDirs.push(dataDir);
  const started = await startFanhookProcess({
    env: broadcastCrashEnv({ dbUri: db.uri, fake, apiBase: `${proxy.url}/${prefix}`, admin: ADMIN, batchSize: BATCH, dataDir }),
  });
  processes.push(started);
  return started;
}

describe('a fanhook instance killed with SIGKILL mid-broadcast while a second one runs', () => {
  it('leaves the broadcast to the survivor, which finishes it without sending any batch twice', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const byPrefix = new Map([
      ['a', a],
      ['b', b],
    ]);
    await a.fan(ADMIN).sendText('你好');
    expect(await askProcess(fake, a, ADMIN, `/broadcast tag:${TAG} | 周年庆：满 300 减 50`)).toContain('需 3 次群发调用');
    expect(await askProcess(fake, a, ADMIN, '/confirm 1')).toContain('#1 开始发送');

    // WeChat took batch 3 but its answer is held: kill whichever instance is waiting for it.
    await explainedBy(
      [a, b],
      waitFor(
        () => proxy.heldFrom(),
        (from) => from !== undefined,
        30_000,
      ),
    );
    const victim = byPrefix.get(proxy.heldFrom()!)!;
    const survivor = victim === a ? b : a;
    expect((await victim.kill('SIGKILL')).signal).toBe('SIGKILL');
    expect((await batchesOf(db.connection, 1)).map((batch) => batch.state)).toEqual(['accepted', 'accepted', 'reserved']);

    await explainedBy([survivor], waitForBroadcast(db.connection, 1, 'sent', 45_000));
    expect(survivor.child.exitCode).toBeNull();

    // The survivor repeated only batch 3, under its clientmsgid; WeChat made no new job.
    const sends = fake.callsTo(MASS_SEND);
    expect(sends.map((call) => call.errcode)).toEqual([0, 0, 0, 45065]);
    expect(proxy.massSendsFrom().at(-1)).toBe(survivor === a ? 'a' : 'b');
    const jobs = fake.massJobs();
    expect(jobs.map((job) => job.openIds.length)).toEqual([BATCH, BATCH, BATCH]);
    expect(new Set(jobs.map((job) => job.clientMsgId)).size).toBe(3);
    expect(sends[3]?.body).toMatchObject({ clientmsgid: jobs[2]?.clientMsgId });
    const batches = await batchesOf(db.connection, 1);
    expect(batches.map((batch) => batch.msgId)).toEqual(jobs.map((job) => job.msgId));

    // Every fan of the segment got it once and used one push of four.
    const received = new Map<string, number>();
    for (const openId of jobs.flatMap((job) => job.deliveredTo)) {
      received.set(openId, (received.get(openId) ?? 0) + 1);
    }
    expect(received.size).toBe(FANS);
    expect([...received.values()].every((times) => times === 1)).toBe(true);
    expect(await getFanModel(db.connection).countDocuments({ 'tags.name': TAG, 'massPushes.count': { $ne: 1 } })).toBe(0);
    expect(fake.unexpected).toEqual([]);
  }, 120_000);
});

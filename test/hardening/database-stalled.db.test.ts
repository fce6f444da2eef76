/**
 * A database write that is never answered (a command stuck inside the server, as the local
 * engine's index once spun forever; a connection left half-open) while the database is
 * otherwise fine: callbacks are still answered within WeChat's 5 s, the write stuck on the
 * silent connection is given up, and every message is then processed once — instead of every
 * later callback's claim waiting behind a batch that never ends, or of a message whose
 * profile write hangs staying unprocessed for good.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/with-database.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();

describe('a database write that is never answered', () => {
  let dir: string;
  let proxy: StallingProxy;
  let harness: Harness;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-stalled-'));
    const target = new URL(db.uri);
    proxy = await startStallingProxy({ host: target.hostname, port: Number(target.port) });
    harness = await startHarness({
      dbUri: withDatabase(proxy.uri, target.pathname.slice(1)),
      env: { FANHOOK_DATA_DIR: path.join(dir, 'data') },
    });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
    await proxy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers within 5 s, gives the stuck claim up, and processes every message once', async () => {
    const fan = harness.fan('oStalledFan');
    expect((await fan.sendText('你好')).status).toBe(200);

    // The next claim's insert goes into the server and nothing ever comes back.
    const stalledBefore = proxy.stalled;
    proxy.stallNextCommand('interactions');
    const answers = [];
    for (const text of ['门店在哪', '包邮吗', '有优惠吗']) {
      answers.push(await fan.sendText(text));
    }
    expect(proxy.stalled).toBe(stalledBefore + 1);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(5_000);
    }

    const interactions = db.connection.collection('interactions');
    const done = await waitFor(
      () => interactions.find({ openId: 'oStalledFan', status: 'done' }).toArray(),
      (docs) => docs.length === 4,
      45_000,
    );
    expect(done.map((d) => d['payload']['Content']).sort()).toEqual(['你好', '门店在哪', '包邮吗', '有优惠吗'].sort());
    const stored = await db.connection.collection('fans').findOne({ openId: 'oStalledFan' });
    expect(stored?.['counts']?.['text']).toBe(4);
  }, 90_000);

  it('retries a message whose profile write is never answered, once its claim lease runs out', async () => {
    const fan = harness.fan('oStalledProfile');
    expect((await fan.sendText('你好')).status).toBe(200);

    // The second message's profile upsert goes into the server and nothing ever comes back.
    const stalledBefore = proxy.stalled;
    proxy.stallNextCommand('fans');
    const answer = await fan.sendText('门店在哪');
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(5_000);
    expect(proxy.stalled).toBe(stalledBefore + 1);

    const interactions = db.connection.collection('interactions');
    const done = await waitFor(
      () => interactions.find({ openId: 'oStalledProfile', status: 'done' }).toArray(),
      (docs) => docs.length === 2,
      45_000,
    );
    const retried = done.find((d) => d['payload']['Content'] === '门店在哪');
    expect(retried?.['attempts']).toBe(2);
    // Its answer (the 门店 keyword's) reaches the fan once, by customer-service message.
    const sent = await waitFor(
      () => harness.fake.customMessagesFor('oStalledProfile'),
      (messages) => messages.length >= 1,
      10_000,
    );
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent)).toContain('湖滨店');
    const stored = await db.connection.collection('fans').findOne({ openId: 'oStalledProfile' });
    expect(stored?.['counts']?.['text']).toBe(2);
  }, 90_000);
});

/**
 * A database write that is never answered (a command stuck inside the server, as the local
 * engine's index once spun forever; a connection left half-open) while the database is
 * otherwise fine: callbacks are still answered within WeChat's 5 s, the batch stuck on the
 * silent connection is given up, and every message is then processed once — instead of every
 * later callback's claim waiting behind a batch that never ends.
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
    proxy.stallNextCommand('interactions');
    const answers = [];
    for (const text of ['门店在哪', '包邮吗', '有优惠吗']) {
      answers.push(await fan.sendText(text));
    }
    expect(proxy.stalled).toBe(1);
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
});

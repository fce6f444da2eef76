/**
 * The database going away: callbacks keep being answered within WeChat's 5 s, and every
 * message received meanwhile is spooled to local disk and replayed once the database is
 * back — processed once, its reply delivered by customer-service message. Runs on a local
 * database of its own that the test stops and restarts (startLocalDatabase).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/with-database.js';
import { startLocalDatabase, type LocalDatabase } from '../../src/devtools/local-engine/start-local-database.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

describe('database outage', () => {
  let dir: string;
  let db: LocalDatabase;
  let harness: Harness;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-outage-'));
    db = await startLocalDatabase({ dataDir: path.join(dir, 'db'), ephemeral: true });
    harness = await startHarness({ dbUri: withDatabase(db.uri, 'outage'), env: { FANHOOK_DATA_DIR: path.join(dir, 'data') } });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
    await db?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const interactionsOf = (openId: string) => harness.connection.collection('interactions').find({ openId }).toArray();

  it('answers success within 5 s while the database is down, then replays every message once it is back', async () => {
    const fan = harness.fan('oOutageFan');
    const newcomer = harness.fan('oOutageNewcomer');
    expect((await fan.sendText('你好')).reply?.['MsgType']).toBe('text');

    await db.stop();
    const during = [
      await fan.sendText('门店在哪'),
      await fan.sendText('包邮吗'),
      await newcomer.follow('store_hz'),
      await fan.sendText('有优惠吗'),
    ];
    for (const answer of during) {
      expect(answer.status).toBe(200);
      expect(answer.replyXml).toBe('success');
      expect(answer.elapsedMs).toBeLessThan(5_000);
    }
    expect((await readdir(path.join(dir, 'data', 'spool', 'outage'))).some((name) => name.endsWith('.jsonl'))).toBe(true);

    await db.restart();
    const stored = await waitFor(
      () => interactionsOf('oOutageFan'),
      (docs) => docs.length === 4 && docs.every((d) => d.status === 'done'),
      40_000,
    );
    expect(stored.map((d) => d.payload.Content).sort()).toEqual(['你好', '门店在哪', '包邮吗', '有优惠吗'].sort());
    // The replies the fan could not get passively arrive by customer-service message.
    await waitFor(
      () => harness.fake.customMessagesFor('oOutageFan'),
      (messages) => messages.length === 3,
      10_000,
    );
    await waitFor(
      () => harness.fake.customMessagesFor('oOutageNewcomer'),
      (messages) => messages.length === 1,
      10_000,
    );
    expect(JSON.stringify(harness.fake.customMessagesFor('oOutageNewcomer'))).toContain('杭州');
    const follower = await harness.connection.collection('fans').findOne({ openId: 'oOutageNewcomer' });
    expect(follower).toMatchObject({ subscribed: true, source: 'store_hz' });

    // Replayed once: later replay rounds find nothing left, and nothing is stored twice.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(await interactionsOf('oOutageFan')).toHaveLength(4);
    expect(harness.fake.customMessagesFor('oOutageFan')).toHaveLength(3);
    expect((await readdir(path.join(dir, 'data', 'spool', 'outage'))).filter((name) => name.includes('.jsonl'))).toEqual([]);
  }, 90_000);
});

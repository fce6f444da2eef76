/**
 * The database dies mid-burst (SIGKILL, as a crash or an OOM kill would) and comes back: every
 * one of 200 callbacks is still answered within WeChat's 5 s, and every message ends processed
 * — or, if it cannot be, dead-lettered — and none is processed twice. Runs on a local
 * database of its own (startLocalDatabase) that the test kills and restarts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/with-database.js';
import { startLocalDatabase, type LocalDatabase } from '../../src/devtools/local-engine/start-local-database.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const FANS = 10;
const PER_FAN = 20;
const IN_FLIGHT = 20;

describe('the database killed during a burst of callbacks', () => {
  let dir: string;
  let db: LocalDatabase;
  let harness: Harness;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-db-killed-'));
    db = await startLocalDatabase({ dataDir: path.join(dir, 'db'), ephemeral: true });
    harness = await startHarness({
      dbUri: withDatabase(db.uri, 'db_killed'),
      env: { FANHOOK_DATA_DIR: path.join(dir, 'data'), FANHOOK_REPLY_DEADLINE_MS: '1500' },
    });
  }, 90_000);

  afterAll(async () => {
    await harness?.close();
    await db?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers all 200 within 5 s and ends with each message processed or dead-lettered, none twice', async () => {
    const messages = Array.from({ length: FANS * PER_FAN }, (_, i) => ({ openId: `oBurst${i % FANS}`, content: `第${i}条消息` }));
    const answers: Array<{ status: number; elapsedMs: number }> = [];
    let killed: Promise<void> | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < messages.length) {
        const message = messages[next]!;
        next += 1;
        const answer = await harness.fan(message.openId).sendText(message.content);
        answers.push({ status: answer.status, elapsedMs: answer.elapsedMs });
        if (answers.length === 60 && !killed) {
          // Down for two seconds in the middle of the burst, then back on the same port and data.
          killed = db.kill().then(async () => {
            await new Promise((resolve) => setTimeout(resolve, 2_000));
            await db.restart();
          });
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await killed;

    expect(answers).toHaveLength(200);
    expect([...new Set(answers.map((a) => a.status))]).toEqual([200]);
    expect(Math.max(...answers.map((a) => a.elapsedMs))).toBeLessThan(5_000);

    const interactions = harness.connection.collection('interactions');
    const deadLetters = harness.connection.collection('dead_letters');
    const settled = await waitFor(
      async () => {
        const done = await interactions
          .find({ openId: /^oBurst/, status: 'done' }, { projection: { openId: 1, 'payload.Content': 1 } })
          .toArray();
        const dead = await deadLetters.countDocuments({});
        return { done, dead };
      },
      ({ done, dead }) => done.length + dead >= 200,
      60_000,
    );
    const contents = settled.done.map((doc) => String(doc['payload']?.['Content']));
    // Processed once each: no content twice, and every message accounted for.
    expect(new Set(contents).size).toBe(contents.length);
    expect(contents.length + settled.dead).toBe(200);
    // And each fan's profile counted exactly the messages processed for it.
    for (let f = 0; f < FANS; f += 1) {
      const fan = await harness.connection.collection('fans').findOne({ openId: `oBurst${f}` });
      const processed = settled.done.filter((doc) => doc['openId'] === `oBurst${f}`).length;
      expect(fan?.['counts']?.['text']).toBe(processed);
    }
  }, 120_000);
});

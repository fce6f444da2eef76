import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../src/db/ensure-indexes.js';
import { startHarness, type Harness } from '../support/harness.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
let app: Harness;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
});
afterAll(async () => {
  await app?.close();
});

async function uniqueKeys(collection: string): Promise<string[]> {
  const indexes = await app.connection.db!.collection(collection).indexes();
  return indexes.filter((index) => index.unique).map((index) => Object.keys(index.key).join(','));
}

describe('an instance that has just started', () => {
  // Models compile lazily; if the unique indexes were built in the background on first use, the
  // first series firing or retried batch could slip a duplicate in before the index existed.
  it('already has the unique indexes that keep broadcasts, batches and receipts from happening twice', async () => {
    expect(await uniqueKeys('broadcasts')).toEqual(expect.arrayContaining(['number', 'firingKey']));
    expect(await uniqueKeys('broadcast_batches')).toContain('broadcast,index');
    expect(await uniqueKeys('interactions')).toContain('dedupeKey');
  });

  it('refuses a second broadcast for the same series step and day on its very first writes', async () => {
    const broadcasts = app.connection.db!.collection('broadcasts');
    const doc = { expr: 'x', content: {}, state: 'queued', createdBy: 'system', createdAt: new Date(), firingKey: 's:birthday:2026-12-01' };
    await broadcasts.insertOne({ ...doc, number: 1 });
    await expect(broadcasts.insertOne({ ...doc, number: 2 })).rejects.toMatchObject({ code: 11000 });
  });

  // Every index is rewritten by each write of its collection: one an older version built and no
  // query reads any more would slow every callback of an upgraded deployment for nothing.
  it('drops the indexes an older version built that no query reads any more', async () => {
    const database = app.connection.db!;
    await database.collection('fans').createIndex({ 'massPushes.batches': 1 }, { name: 'massPushes.batches_1' });
    await database.collection('link_clicks').createIndex({ code: 1, at: 1 }, { name: 'code_1_at_1' });
    await ensureIndexes(app.connection);
    const names = async (collection: string) => (await database.collection(collection).indexes()).map((index) => index.name);
    expect(await names('fans')).not.toContain('massPushes.batches_1');
    expect(await names('fans')).toEqual(expect.arrayContaining(['openId_1', 'tagsDirty_1_dirty']));
    expect(await names('link_clicks')).not.toContain('code_1_at_1');
  });
});

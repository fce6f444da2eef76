/**
 * Measures the periodic tag sweep over a seeded database: seeds N fans (scripts/seed-fans.ts)
 * into MONGODB_URI — or into a throwaway local database (mongod on PATH, else the local engine) —
 * then runs the sweep with the shipped rules and reports time, writes and memory.
 *
 * Usage: npx tsx scripts/measure-sweep.ts [--count 100000] [--untagged]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { withDatabase } from '../src/db/with-database.js';
import { defaultCacheDir } from '../src/devtools/local-engine/ensure-engine.js';
import { startLocalDatabase, type LocalDatabase } from '../src/devtools/local-engine/start-local-database.js';
import { getFanModel } from '../src/fans/fan-model.js';
import { sweepTags } from '../src/jobs/sweep-tags.js';
import { ManualClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { RuleRegistry } from '../src/tagging/rule-registry.js';
import { seedFans } from './seed-fans.js';

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const count = Number(args[args.indexOf('--count') + 1] || 100_000);
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  let local: LocalDatabase | undefined;
  let dataDir: string | undefined;
  let uri = process.env['MONGODB_URI'];
  if (!uri) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-sweep-'));
    local = await startLocalDatabase({ dataDir, logger, cacheDir: defaultCacheDir() });
    uri = withDatabase(local.uri, 'sweep_measure');
  }
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const now = new Date();
    await getFanModel(connection).init();
    let t = performance.now();
    await seedFans({ connection, count, now, untagged: args.includes('--untagged') });
    process.stdout.write(`server: ${local?.kind ?? 'MONGODB_URI'}; seeded ${count} fans in ${Math.round(performance.now() - t)} ms\n`);
    const rules = await RuleRegistry.load(path.resolve('templates'));
    for (const run of ['first sweep', 'second sweep (nothing changed)']) {
      global.gc?.();
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakHeap = base.heapUsed;
      const sampler = setInterval(() => {
        const usage = process.memoryUsage();
        peakRss = Math.max(peakRss, usage.rss);
        peakHeap = Math.max(peakHeap, usage.heapUsed);
      }, 20);
      t = performance.now();
      const result = await sweepTags({ connection, rules, clock: new ManualClock(now), logger });
      clearInterval(sampler);
      process.stdout.write(
        `${run}: scanned ${result.scanned}, updated ${result.updated} in ${Math.round(performance.now() - t)} ms ` +
          `(${Math.round(result.scanned / ((performance.now() - t) / 1000))} fans/s); ` +
          `heap +${mb(peakHeap - base.heapUsed)} (peak ${mb(peakHeap)}), rss peak ${mb(peakRss)}\n`,
      );
    }
    const tiers = await getFanModel(connection).aggregate<{ _id: string; n: number }>([{ $group: { _id: '$activity', n: { $sum: 1 } } }]);
    process.stdout.write(`tiers after: ${tiers.map((tier) => `${tier._id} ${tier.n}`).join(', ')}\n`);
  } finally {
    await connection.dropDatabase();
    await connection.close();
    await local?.stop();
    if (dataDir) {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

await main();

/**
 * `npm run bench`: starts its own database (startLocalDatabase), fake WeChat API, baseline
 * servers and fanhook, drives them from a separate load-generator process and prints one
 * table. `--quick` shortens every run (5 s loads, 100,000 fans only, 60 s per segment task);
 * `--only=callbacks|fanhook|segments` runs one section; `--mongodb-uri=mongodb://…` measures
 * against an existing server instead of the local engine/mongod; `--connections=50`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { withDatabase } from '../src/db/with-database.js';
import { startLocalDatabase } from '../src/devtools/local-engine/start-local-database.js';
import { startFakeWechatApi } from '../src/devtools/fake-wechat-api.js';
import { runCallbackBench } from './callback-bench.js';
import { CPUS } from './processes.js';
import { formatCallbackTable, formatMachine } from './table.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length);
const connectionsArg = [...args].find((a) => a.startsWith('--connections='));
const connections = connectionsArg ? Number(connectionsArg.split('=')[1]) : 50;
/** An existing MongoDB-wire server to measure instead of the local one (e.g. a real mongod). */
const externalUri = [...args].find((a) => a.startsWith('--mongodb-uri='))?.slice('--mongodb-uri='.length);
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-bench-'));
  log(`fanhook benchmark${quick ? ' (quick)' : ''}: starting the database and the fake WeChat API`);
  const db = externalUri ? { uri: externalUri, kind: 'external', stop: async () => undefined } : await startLocalDatabase({ dataDir });
  const dbUri = withDatabase(db.uri, 'fanhook_bench');
  const connection = await mongoose.createConnection(dbUri).asPromise();
  const fake = await startFakeWechatApi();
  const out: string[] = [formatMachine(db.kind, CPUS.pinned), ''];
  try {
    if (!only || only === 'callbacks' || only === 'fanhook') {
      log('callbacks:');
      const rows = await runCallbackBench({ connection, dbUri, fake, quick, connections, log, fanhookOnly: only === 'fanhook' });
      out.push(...formatCallbackTable(rows, connections), '');
    }
    if (!only || only === 'segments') {
      const { runSegmentBench } = await import('./segment-bench.js');
      out.push(...(await runSegmentBench({ serverUri: db.uri, quick, log })), '');
      // Seeded databases are dropped so a rerun on an external server starts clean.
      for (const size of [100_000, 1_000_000]) {
        const seeded = await mongoose.createConnection(withDatabase(db.uri, `fanhook_bench_seg_${size}`)).asPromise();
        await seeded.dropDatabase().catch(() => undefined);
        await seeded.close();
      }
    }
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await fake.close();
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  out.push(`total bench time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

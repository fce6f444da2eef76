/**
 * `npm run bench`: starts its own database (startLocalDatabase), the fake WeChat API, the
 * baseline servers and fanhook, drives them from a separate load-generator process and prints
 * the tables (progress and each finished table go to stderr). Sections, in this order: soak,
 * callbacks, segments, links, report, orders — all of them by default.
 *
 *   --quick                 short runs (5 s loads, a 1-minute soak, 100,000 fans only, 60 s per segment task)
 *   --only=a,b              only these sections (`fanhook` = the callback section without baselines)
 *   --fans=N,M              the segment section's fan counts (default 100000,1000000; --quick 100000)
 *   --soak                  the soak alone; --soak-minutes=N sets its length (default 10)
 *   --connections=N         concurrent connections of every load (default 50)
 *   --compare-ref=REF       also measure fanhook as of commit REF in the callback section
 *   --mongodb-uri=URI       measure against an existing server instead of the local engine
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { withDatabase } from '../src/db/with-database.js';
import { startLocalDatabase } from '../src/devtools/local-engine/start-local-database.js';
import { startFakeWechatApi } from '../src/devtools/fake-wechat-api.js';
import { runCallbackBench } from './callback-bench.js';
import { exportTree, type ExportedTree } from './compare-tree.js';
import { CPUS } from './processes.js';
import { databaseName, formatCallbackTable, formatMachine } from './table.js';

const SECTIONS = ['soak', 'callbacks', 'segments', 'links', 'report', 'orders'] as const;
type Section = (typeof SECTIONS)[number];

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes('--quick');
const onlyArg = option('only')?.split(',');
const fanhookOnly = onlyArg?.includes('fanhook') ?? false;
const only = args.includes('--soak') ? ['soak'] : onlyArg?.map((s) => (s === 'fanhook' ? 'callbacks' : s));
const unknown = only?.filter((s) => !(SECTIONS as readonly string[]).includes(s));
if (unknown?.length) {
  process.stderr.write(`npm run bench: unknown section ${unknown.join(', ')} (known: ${SECTIONS.join(', ')}, fanhook)\n`);
  process.exit(64);
}
const runs = (section: Section): boolean => !only || only.includes(section);
const connections = Number(option('connections') ?? 50);
const soakMinutes = Number(option('soak-minutes') ?? (quick ? 1 : 10));
const compareRef = option('compare-ref');
const fanCounts = option('fans')
  ?.split(',')
  .map((n) => Number(n.replaceAll('_', '')));
/** An existing MongoDB-wire server to measure instead of the local one (e.g. a real mongod). */
const externalUri = option('mongodb-uri');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function ferretdbVersion(uri: string): Promise<string | undefined> {
  const client = await mongoose.createConnection(uri).asPromise();
  try {
    const info = (await client.db!.admin().command({ buildInfo: 1 })) as { ferretdb?: { version?: string } };
    return info.ferretdb?.version;
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-bench-'));
  log(`fanhook benchmark${quick ? ' (quick)' : ''}: starting the database and the fake WeChat API`);
  const db = externalUri
    ? { uri: externalUri, kind: 'external', stop: async () => undefined, analyze: async () => undefined }
    : await startLocalDatabase({ dataDir });
  const dbUri = withDatabase(db.uri, 'fanhook_bench');
  const connection = await mongoose.createConnection(dbUri).asPromise();
  const fake = await startFakeWechatApi();
  const database = databaseName(db.kind, await ferretdbVersion(dbUri));
  const out: string[] = [formatMachine(database, CPUS.pinned), ''];
  let compare: ExportedTree | undefined;
  const context = { serverUri: db.uri, dbUri, connection, fake, quick, connections, log, analyze: () => db.analyze() };
  const sections: Record<Section, () => Promise<string[]>> = {
    callbacks: async () => {
      compare = compareRef ? await exportTree(compareRef) : undefined;
      const rows = await runCallbackBench({ ...context, fanhookOnly, ...(compare ? { compare } : {}) });
      return formatCallbackTable(rows, connections);
    },
    segments: async () => (await import('./segment-bench.js')).runSegmentBench({ ...context, ...(fanCounts ? { sizes: fanCounts } : {}) }),
    links: async () => (await import('./link-bench.js')).runLinkBench(context),
    orders: async () => (await import('./orders-bench.js')).runOrdersBench(context),
    report: async () => (await import('./report-bench.js')).runReportBench(context),
    soak: async () => (await import('./soak-bench.js')).runSoak({ ...context, minutes: soakMinutes }),
  };
  let failed = 0;
  try {
    for (const section of SECTIONS.filter(runs)) {
      log(`${section}:`);
      const sectionStarted = Date.now();
      // A failing section is reported and the others still run: one broken task must not
      // cost the figures of a 20-minute run.
      const lines = await sections[section]().catch((error: unknown) => {
        failed += 1;
        return [`${section}: FAILED — ${error instanceof Error ? error.message : String(error)}`];
      });
      lines.push(`(${section}: ${((Date.now() - sectionStarted) / 60_000).toFixed(1)} min)`);
      // Each table is also shown as soon as it is done, so a run cut short keeps what it measured.
      log(lines.join('\n'));
      out.push(...lines, '');
    }
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await fake.close();
    await db.stop();
    await compare?.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
  out.push(`total bench time ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  process.stdout.write(`${out.join('\n')}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

/**
 * The soak (issue 12 §11): one fanhook process under mixed messages (text, menu clicks,
 * location reports, a shared location, images, follows of new fans) at the bench's
 * connections for N minutes, its resident memory sampled at the start, every minute and at
 * the end. A leak shows as growth; a slow path or a lost write as errors or as messages not
 * stored.
 */
import type { Connection } from 'mongoose';
import { withDatabase } from '../src/db/with-database.js';
import {
  errorsOf,
  fanhookEnv,
  FANS,
  heapAfterCollectionOf,
  interactionCounter,
  rssOf,
  runLoad,
  startFanhook,
  TEXT,
} from './callback-bench.js';
import { check, fmt } from './table.js';

export interface SoakOptions {
  serverUri: string;
  connection: Connection;
  fake: { url: string; appId: string; appSecret: string };
  connections: number;
  minutes: number;
  log: (line: string) => void;
}

const MiB = 2 ** 20;
/** Requests built ahead: a few seconds' worth, the rest as the run goes (fresh timestamps). */
const POOL = 5_000;

export async function runSoak(options: SoakOptions): Promise<string[]> {
  const { fake, log } = options;
  const name = 'fanhook_bench_soak';
  const db = options.connection.useDb(name);
  await db.dropDatabase();
  const stored = interactionCounter(db);
  const fanhook = await startFanhook(fanhookEnv(fake, withDatabase(options.serverUri, name)));
  const base = { connections: options.connections, appId: fake.appId, mode: 'plain' as const, url: `${fanhook.url}/wechat` };
  try {
    log(`soak: ${options.minutes} min of mixed messages at ${options.connections} connections …`);
    // The fans become known and V8 warms up first, as for the callback rows.
    await runLoad({ ...base, durationSec: 2, amount: FANS, workload: TEXT, runId: `soakwarm${Date.now().toString(36)}` });
    await runLoad({ ...base, durationSec: 5, workload: { kind: 'mixed', fans: FANS }, runId: `soakwarm2${Date.now().toString(36)}` });
    await stored.settle();
    const rssStart = await rssOf(fanhook.child);
    const heapStart = await heapAfterCollectionOf(fanhook.child);
    const samples = [rssStart];
    const sampler = setInterval(() => {
      void rssOf(fanhook.child).then((rss) => {
        samples.push(rss);
        log(`    minute ${samples.length - 1}: RSS ${fmt(rss / MiB)} MiB`);
      });
    }, 60_000);
    const result = await runLoad({
      ...base,
      durationSec: Math.round(options.minutes * 60),
      poolSize: POOL,
      workload: { kind: 'mixed', fans: FANS },
      runId: `soak${Date.now().toString(36)}`,
    }).finally(() => clearInterval(sampler));
    const rssEnd = await rssOf(fanhook.child);
    const added = await stored.settle();
    // After the load and the last writes: what a leak would have left on the heap.
    const heapEnd = await heapAfterCollectionOf(fanhook.child);
    const heapGrowth = heapEnd / heapStart - 1;
    const growth = rssEnd / rssStart - 1;
    const errors = errorsOf(result);
    log(
      `    ${fmt(result.rps)} req/s, p99 ${result.p99} ms, ${errors} errors, RSS ${fmt(rssStart / MiB)} → ${fmt(rssEnd / MiB)} MiB, ${added} stored`,
    );
    return [
      `| soak, ${fmt(options.minutes, 1)} min of mixed messages, ${options.connections} connections | requests | req/s | p50 ms | p99 ms | errors | RSS start | RSS end | growth | stored |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| fanhook | ${fmt(result.requests)} | ${fmt(result.rps)} | ${fmt(result.p50)} | ${fmt(result.p99)} | ${errors} | ${fmt(rssStart / MiB)} MiB | ${fmt(rssEnd / MiB)} MiB | ${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}% | ${fmt(added)}/${fmt(result.requests - errors)} |`,
      '',
      `RSS each minute (MiB): ${[...samples, rssEnd].map((r) => fmt(r / MiB)).join(', ')}`,
      `heap after a full collection: ${fmt(heapStart / MiB, 1)} → ${fmt(heapEnd / MiB, 1)} MiB (${heapGrowth >= 0 ? '+' : ''}${fmt(heapGrowth * 100, 1)}%)`,
      `targets: RSS growth < 10%: ${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}% (${check(growth < 0.1)}); 0 errors: ${errors} (${check(errors === 0)})`,
    ];
  } finally {
    fanhook.child.process.send({ type: 'stop' });
    await fanhook.child.kill();
    await db.dropDatabase().catch(() => undefined);
  }
}

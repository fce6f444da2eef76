/**
 * The callback section: four baselines — raw node:http, bare Koa (the protocol edge, storing
 * nothing), the persist floor (bare Koa + the `mongodb` driver: claim + fan upsert) and the
 * persisting peer (node-webot `wechat` on express + mongoose, the same two writes) — and
 * fanhook, each in its own process, driven by autocannon from another. After every fanhook run
 * it checks that each answered message is stored once, so its figures are for persisted work.
 */
import type { Connection } from 'mongoose';
import { withDatabase } from '../src/db/with-database.js';
import type { Workload } from './bench-requests.js';
import type { LoadJob, LoadResult } from './load.js';
import { CPUS, startChild, startServer, type Child } from './processes.js';

export interface CallbackBenchOptions {
  connection: Connection;
  dbUri: string;
  /** The server's URI without a database: the baselines get databases of their own. */
  serverUri: string;
  fake: { url: string; appId: string; appSecret: string };
  quick: boolean;
  /** Skips the baselines (for iterating on fanhook itself). */
  fanhookOnly?: boolean;
  /** An exported older fanhook (compare-tree.ts) to measure in the same run. */
  compare?: { root: string; src: string; label: string };
  connections: number;
  log: (line: string) => void;
}

/** Which baseline (or fanhook) a row measures, for the ratio columns. */
export type CallbackSubject = 'raw' | 'koa' | 'floor' | 'peer' | 'fanhook' | 'compare' | 'replay-on' | 'replay-off';

/** One measured row of the table. */
export interface CallbackRow {
  name: string;
  subject: CallbackSubject;
  mode: 'plain' | 'safe';
  /** Only the text rows are compared with the baselines (they do the same work). */
  text: boolean;
  result: LoadResult;
  /** For fanhook rows: interactions stored for this run / answered requests. */
  stored?: number;
}

export async function runLoad(job: Omit<LoadJob, 'poolSize'> & { poolSize?: number }): Promise<LoadResult> {
  const child = startChild('load.ts', [], CPUS.load);
  child.process.send({ poolSize: Math.min(60_000, job.amount ?? job.durationSec * 6_000), ...job });
  const answer = await child.firstMessage<{ result?: LoadResult; error?: string }>();
  await child.kill();
  if (!answer.result) {
    throw new Error(`load generator failed: ${answer.error}`);
  }
  return answer.result;
}

let runCounter = 0;
/** Distinct fans writing text; the warm-up makes each one known, as in steady state. */
export const FANS = 300;
export const TEXT: Workload = { kind: 'text', fans: FANS, content: '新品' };

export const errorsOf = (r: LoadResult): number => r.errors + r.timeouts + r.non2xx;

/** The environment fanhook runs with in the bench: production mode, safe mode possible, HTTP only. */
export function fanhookEnv(fake: CallbackBenchOptions['fake'], dbUri: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    WECHAT_TOKEN: 'fanhookbenchtoken',
    WECHAT_APPID: fake.appId,
    WECHAT_APPSECRET: fake.appSecret,
    WECHAT_API_BASE: fake.url,
    WECHAT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    // The plaintext rows post to this safe-mode instance: allowed only with this switch.
    WECHAT_ACCEPT_PLAINTEXT: 'on',
    MONGODB_URI: dbUri,
    FANHOOK_ROLE: 'web',
    LOG_LEVEL: 'warn',
  };
}

/** Starts fanhook (this checkout's, or an exported tree's) and waits for its port. */
export function startFanhook(env: Record<string, string>, tree?: { root: string; src: string }): Promise<{ child: Child; url: string }> {
  return startServer('servers/fanhook-server.ts', [JSON.stringify(env), ...(tree ? [tree.src] : [])], tree?.root);
}

/** Asks a fanhook child for its resident memory. */
export async function rssOf(child: Child): Promise<number> {
  return (await memoryOf(child, false)).rss;
}

/** Asks a fanhook child for the heap it still holds after a full collection. */
export async function heapAfterCollectionOf(child: Child): Promise<number> {
  return (await memoryOf(child, true)).heapUsed;
}

async function memoryOf(child: Child, collect: boolean): Promise<{ rss: number; heapUsed: number }> {
  child.process.send({ type: 'memory', collect });
  const { memory } = await child.firstMessage<{ memory: { rss: number; heapUsed: number } }>();
  return memory;
}

export async function runCallbackBench(options: CallbackBenchOptions): Promise<CallbackRow[]> {
  const { fake, connection, log } = options;
  const durationSec = options.quick ? 5 : 10;
  const base = { connections: options.connections, durationSec, appId: fake.appId };
  const rows: CallbackRow[] = [];
  const measure = async (
    name: string,
    subject: CallbackSubject,
    url: string,
    mode: 'plain' | 'safe',
    workload: Workload,
    amount?: number,
  ): Promise<CallbackRow> => {
    runCounter += 1;
    const runId = `r${Date.now().toString(36)}${runCounter}`;
    log(`  ${name} …`);
    const result = await runLoad({ ...base, url: `${url}/wechat`, mode, workload, runId, ...(amount ? { amount } : {}) });
    log(
      `    ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${errorsOf(result)} errors, ${result.requests} requests`,
    );
    const row: CallbackRow = { name, subject, mode, text: workload.kind === 'text', result };
    return row;
  };
  // Every server warms up for 2 s before it is measured (V8 and the database optimise the hot
  // path first), with one message from each of the fans first: the measured text runs see
  // known fans (steady state) everywhere — new fans are fanhook's follow-burst row.
  const warm = async (url: string, mode: 'plain' | 'safe'): Promise<void> => {
    const job = { ...base, url: `${url}/wechat`, mode, workload: TEXT };
    await runLoad({ ...job, durationSec: 2, amount: FANS, runId: `warm${Date.now().toString(36)}` });
    await runLoad({ ...job, durationSec: 2, runId: `warm${Date.now().toString(36)}` });
  };
  const textBoth = async (label: string, subject: CallbackSubject, file: string, args: string[]): Promise<void> => {
    const server = await startServer(file, args);
    try {
      await warm(server.url, 'plain');
      rows.push(await measure(`${label}, plaintext`, subject, server.url, 'plain', TEXT));
      await warm(server.url, 'safe');
      rows.push(await measure(`${label}, safe mode`, subject, server.url, 'safe', TEXT));
    } finally {
      await server.child.kill();
    }
  };

  if (!options.fanhookOnly) {
    const raw = await startServer('servers/raw-http.ts', []);
    await warm(raw.url, 'plain');
    rows.push(await measure('raw node:http, fixed XML', 'raw', raw.url, 'plain', TEXT));
    await raw.child.kill();
    await textBoth('bare Koa + fast-xml-parser (stores nothing)', 'koa', 'servers/bare-koa.ts', [fake.appId]);
    for (const [label, subject, file, db] of [
      ['persist floor: Koa + mongodb driver', 'floor', 'servers/persist-floor.ts', 'fanhook_bench_floor'],
      ['persisting peer: wechat 2.1 + express + mongoose', 'peer', 'servers/persisting-peer.ts', 'fanhook_bench_peer'],
    ] as const) {
      await textBoth(label, subject, file, [fake.appId, withDatabase(options.serverUri, db)]);
    }
  }

  const measureFanhook = async (
    label: string,
    subject: CallbackSubject,
    db: Connection,
    env: Record<string, string>,
    tree?: { root: string; src: string },
  ): Promise<void> => {
    const stored = interactionCounter(db);
    const fanhook = await startFanhook(env, tree);
    try {
      await warm(fanhook.url, 'plain');
      fanhook.child.process.send({ type: 'profile' });
      await fanhook.child.firstMessage();
      await stored.settle();
      const persisted = async (row: CallbackRow): Promise<void> => {
        const added = await stored.settle();
        fanhook.child.process.send({ type: 'profile' });
        const { profile, cpu } = await fanhook.child.firstMessage<{
          profile: Record<string, { count: number; totalMs: number }>;
          cpu: number;
        }>();
        const perRequest = (n: number): string => (n / Math.max(1, row.result.requests)).toFixed(2);
        const lines = Object.entries(profile)
          .filter(([key]) => !key.startsWith('hello') && !key.startsWith('ping'))
          .sort((a, b) => b[1].totalMs - a[1].totalMs)
          .map(([key, s]) => `      ${key}: ${perRequest(s.count)}/request, ${(s.totalMs / s.count).toFixed(1)} ms avg`);
        // The share covers the load and the settling after it, so a saturated core reads a little under 100%.
        log(`    fanhook's process: ${(cpu * 100).toFixed(0)}% of its core; database commands:\n${lines.join('\n')}`);
        rows.push({ ...row, stored: added });
      };
      await persisted(await measure(`${label}, plaintext text → reply, persisted`, subject, fanhook.url, 'plain', TEXT));
      await warm(fanhook.url, 'safe');
      await stored.settle();
      await persisted(await measure(`${label}, safe mode text → reply, persisted`, subject, fanhook.url, 'safe', TEXT));
      if (subject === 'fanhook') {
        // Every request is a follow from a fan never seen before, 50 at a time, for the whole run.
        const burst = { kind: 'follow', scene: 'store_hz' } as const;
        await persisted(await measure(`${label}, follow burst (each request a new fan)`, subject, fanhook.url, 'plain', burst));
        await persisted(await measure(`${label}, one hot fan`, subject, fanhook.url, 'plain', { kind: 'hot_fan', content: '新品' }));
      }
    } finally {
      fanhook.child.process.send({ type: 'stop' });
      await fanhook.child.kill();
    }
  };
  const env = fanhookEnv(fake, options.dbUri);
  await measureFanhook('fanhook', 'fanhook', connection, env);
  rows.push(...(await measureReplayCheck(env, warm, measure)));
  if (options.compare) {
    // A database of its own: the older code may keep its collections differently.
    const name = `${connection.name}_compare`;
    const db = connection.useDb(name);
    await db.dropDatabase();
    const compareEnv = { ...env, MONGODB_URI: withDatabase(options.serverUri, name) };
    await measureFanhook(`fanhook @ ${options.compare.label}`, 'compare', db, compareEnv, options.compare);
  }
  return rows;
}

/** Rounds of the replay-check A/B; the table's cost line compares the medians. */
const REPLAY_AB_ROUNDS = 4;

/**
 * What issue 12's per-callback security costs: the signed-pair replay check (one batched insert
 * into `callback_nonces` per group of plaintext callbacks, awaited before the claim) is its only
 * database work; the rest (the downgrade refusal, the DOCTYPE check, own-property lookups) is a
 * few comparisons. Two instances of this checkout run side by side on the same database, one
 * without the check, and are measured in turn, round after round, so drift on the machine
 * falls on both alike.
 */
async function measureReplayCheck(
  env: Record<string, string>,
  warm: (url: string, mode: 'plain' | 'safe') => Promise<void>,
  measure: (name: string, subject: CallbackSubject, url: string, mode: 'plain' | 'safe', workload: Workload) => Promise<CallbackRow>,
): Promise<CallbackRow[]> {
  const rows: CallbackRow[] = [];
  const withCheck = await startFanhook(env);
  const withoutCheck = await startFanhook({ ...env, BENCH_REPLAY_LEDGER: 'off' });
  try {
    await warm(withCheck.url, 'plain');
    await warm(withoutCheck.url, 'plain');
    const on = (round: number) =>
      measure(`fanhook A/B round ${round}, plaintext, replay check on`, 'replay-on', withCheck.url, 'plain', TEXT);
    const off = (round: number) =>
      measure(`fanhook A/B round ${round}, plaintext, replay check off`, 'replay-off', withoutCheck.url, 'plain', TEXT);
    for (let round = 1; round <= REPLAY_AB_ROUNDS; round += 1) {
      // Each goes first every other round: the first run after a pause is often the slower one.
      const [first, second] = round % 2 === 1 ? [on, off] : [off, on];
      rows.push(await first(round), await second(round));
    }
  } finally {
    for (const server of [withCheck, withoutCheck]) {
      server.child.process.send({ type: 'stop' });
      await server.child.kill();
    }
  }
  return rows;
}

/**
 * Counts the interactions fanhook stores in `connection`'s database: settle() waits until none
 * is left `processing` (completions may be written after the answer) and returns how many
 * were added since the previous call.
 */
export function interactionCounter(connection: Connection): { settle(): Promise<number> } {
  const interactions = connection.collection('interactions');
  let lastCount = 0;
  return {
    async settle() {
      for (let i = 0; i < 100 && (await interactions.countDocuments({ status: 'processing' })) > 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const total = await interactions.countDocuments({});
      const added = total - lastCount;
      lastCount = total;
      return added;
    },
  };
}

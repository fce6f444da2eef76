/**
 * The callback section: baselines (raw node:http, bare Koa) and fanhook with persistence,
 * plaintext and safe mode, a follow burst and one hot fan, each driven by autocannon from a
 * separate process. After every fanhook run it checks that each answered message is stored
 * once, with its reply, so the throughput figures are figures for persisted work.
 */
import type { Connection } from 'mongoose';
import type { Workload } from './bench-requests.js';
import type { LoadJob, LoadResult } from './load.js';
import { CPUS, startChild, startServer } from './processes.js';

export interface CallbackBenchOptions {
  connection: Connection;
  dbUri: string;
  fake: { url: string; appId: string; appSecret: string };
  quick: boolean;
  /** Skips the baselines (for iterating on fanhook itself). */
  fanhookOnly?: boolean;
  connections: number;
  log: (line: string) => void;
}

/** One measured row of the table. */
export interface CallbackRow {
  name: string;
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
const FANS = 300;

export async function runCallbackBench(options: CallbackBenchOptions): Promise<CallbackRow[]> {
  const { fake, connection, log } = options;
  const durationSec = options.quick ? 5 : 10;
  const base = { connections: options.connections, durationSec, appId: fake.appId };
  const text: Workload = { kind: 'text', fans: FANS, content: '新品' };
  const rows: CallbackRow[] = [];
  const measure = async (name: string, url: string, mode: 'plain' | 'safe', workload: Workload, amount?: number): Promise<CallbackRow> => {
    runCounter += 1;
    const runId = `r${Date.now().toString(36)}${runCounter}`;
    log(`  ${name} …`);
    const result = await runLoad({ ...base, url: `${url}/wechat`, mode, workload, runId, ...(amount ? { amount } : {}) });
    const errors = result.errors + result.timeouts + result.non2xx;
    log(`    ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${errors} errors, ${result.requests} requests`);
    return { name, result };
  };
  // Every server warms up for 2 s before it is measured (V8 and the database optimise the hot
  // path first); fanhook's warm-up starts with one message from each fan, so the measured runs
  // see known fans (steady state) — new fans are the follow-burst row.
  const warm = (url: string, mode: 'plain' | 'safe', amount?: number): Promise<LoadResult> =>
    runLoad({
      ...base,
      durationSec: 2,
      ...(amount ? { amount } : {}),
      url: `${url}/wechat`,
      mode,
      workload: text,
      runId: `warm${Date.now().toString(36)}`,
    });

  if (!options.fanhookOnly) {
    await runBaselines();
  }
  async function runBaselines(): Promise<void> {
    const raw = await startServer('servers/raw-http.ts', []);
    await warm(raw.url, 'plain');
    rows.push(await measure('raw node:http, fixed XML', raw.url, 'plain', text));
    await raw.child.kill();

    const koa = await startServer('servers/bare-koa.ts', [fake.appId]);
    await warm(koa.url, 'plain');
    rows.push(await measure('bare Koa + fast-xml-parser, plaintext', koa.url, 'plain', text));
    rows.push(await measure('bare Koa + fast-xml-parser, safe mode', koa.url, 'safe', text));
    await koa.child.kill();
  }

  const env = {
    NODE_ENV: 'production',
    WECHAT_TOKEN: 'fanhookbenchtoken',
    WECHAT_APPID: fake.appId,
    WECHAT_APPSECRET: fake.appSecret,
    WECHAT_API_BASE: fake.url,
    WECHAT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    MONGODB_URI: options.dbUri,
    FANHOOK_ROLE: 'web',
    LOG_LEVEL: 'warn',
  };
  const fanhook = await startServer('servers/fanhook-server.ts', [JSON.stringify(env)]);
  try {
    await warm(fanhook.url, 'plain', FANS);
    await warm(fanhook.url, 'plain');
    fanhook.child.process.send({ type: 'profile' });
    await fanhook.child.firstMessage();
    const persisted = async (row: CallbackRow): Promise<CallbackRow> => {
      const stored = await settledInteractions(connection);
      fanhook.child.process.send({ type: 'profile' });
      const { profile } = await fanhook.child.firstMessage<{ profile: Record<string, { count: number; totalMs: number }> }>();
      const perRequest = (n: number): string => (n / Math.max(1, row.result.requests)).toFixed(2);
      const lines = Object.entries(profile)
        .filter(([key]) => !key.startsWith('hello') && !key.startsWith('ping'))
        .sort((a, b) => b[1].totalMs - a[1].totalMs)
        .map(([key, s]) => `      ${key}: ${perRequest(s.count)}/request, ${(s.totalMs / s.count).toFixed(1)} ms avg`);
      log(`    database commands:\n${lines.join('\n')}`);
      rows.push({ ...row, stored });
      return row;
    };
    await settledInteractions(connection);
    await persisted(await measure('fanhook, plaintext text → reply, persisted', fanhook.url, 'plain', text));
    await persisted(await measure('fanhook, safe mode text → reply, persisted', fanhook.url, 'safe', text));
    // Every request is a follow from a fan never seen before, 50 at a time, for the whole run.
    await persisted(
      await measure('fanhook, follow burst (each request a new fan)', fanhook.url, 'plain', { kind: 'follow', scene: 'store_hz' }),
    );
    await persisted(await measure('fanhook, one hot fan', fanhook.url, 'plain', { kind: 'hot_fan', content: '新品' }));
  } finally {
    fanhook.child.process.send({ type: 'stop' });
    await fanhook.child.kill();
  }
  return rows;
}

let lastCount = 0;

/**
 * Waits until no interaction is left `processing` and returns how many were added since the
 * previous call (completions may be written after the answer).
 */
async function settledInteractions(connection: Connection): Promise<number> {
  const interactions = connection.collection('interactions');
  for (let i = 0; i < 100 && (await interactions.countDocuments({ status: 'processing' })) > 0; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const total = await interactions.countDocuments({});
  const added = total - lastCount;
  lastCount = total;
  return added;
}

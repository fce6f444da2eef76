/**
 * The link section: tracked-link redirects (`GET /l/<code>`) on a fanhook in its own
 * process, under load from another process at N connections. Half the requests open a link
 * outside WeChat (an anonymous click), half through a signed per-fan code (an identified
 * click, first or repeat): every request stores its click and redirects. OAuth round trips
 * are not part of it — they wait on WeChat, not on fanhook. First as fast as fanhook answers
 * (the redirect's latency target), then at fixed offered rates; after each run the bench waits
 * until the queued clicks are written and counts the clicks stored against the redirects.
 */
import type { Connection } from 'mongoose';
import { loadConfig } from '../src/config.js';
import type { FakeWechatApi } from '../src/devtools/fake-wechat-api.js';
import { systemClock } from '../src/lib/clock.js';
import { fanToken } from '../src/links/link-signing.js';
import { LinkTracker } from '../src/links/link-tracker.js';
import type { LinkLoadJob, LinkLoadResult } from './link-load.js';
import { CPUS, startChild, startServer } from './processes.js';
import { fmt } from './table.js';

export interface LinkBenchOptions {
  dbUri: string;
  connection: Connection;
  fake: FakeWechatApi;
  quick: boolean;
  connections: number;
  log: (line: string) => void;
}

const PUBLIC_URL = 'https://shop-bench.example.com';
const LINKS = 200;
const FANS = 2_000;
/** Offered rates after the full-speed run: where click recording keeps up, and where it stops. */
const RATES = [2_000, 4_000, 6_000, 8_000];
/** The issue's target for a redirect without OAuth. */
const TARGET_P99_MS = 20;

export async function runLinkBench(options: LinkBenchOptions): Promise<string[]> {
  const env = {
    NODE_ENV: 'production',
    WECHAT_TOKEN: 'fanhookbenchtoken',
    WECHAT_APPID: options.fake.appId,
    WECHAT_APPSECRET: options.fake.appSecret,
    WECHAT_API_BASE: options.fake.url,
    WECHAT_OAUTH_BASE: options.fake.url,
    MONGODB_URI: options.dbUri,
    FANHOOK_PUBLIC_URL: PUBLIC_URL,
    FANHOOK_ROLE: 'web',
    LOG_LEVEL: 'warn',
  };
  const links = loadConfig(env).links!;
  options.log(`links: making ${LINKS} tracked links …`);
  const tracker = new LinkTracker({ connection: options.connection, clock: systemClock, publicUrl: PUBLIC_URL, secret: links.secret });
  const codes: string[] = [];
  for (let i = 0; i < LINKS; i += 1) {
    codes.push(await tracker.codeFor('b:1', `https://shop.example.com/item/${i}`, 1));
  }
  const paths = Array.from({ length: LINKS * 10 }, (_, i) => {
    const code = codes[i % LINKS]!;
    return i % 2 === 0 ? `/l/${code}` : `/l/${code}/${fanToken(links.secret, code, `oBenchFan${i % FANS}`)}`;
  });
  const server = await startServer('servers/fanhook-server.ts', [JSON.stringify(env)]);
  const clicks = options.connection.collection('link_clicks');
  try {
    const durationSec = options.quick ? 5 : 15;
    // A short warm-up, as the callback section does: V8's and the database's first requests are not the steady state.
    await load({ url: server.url, paths, connections: options.connections, durationSec: 2 });
    await settled(() => clicks.countDocuments());
    const rows: string[] = [];
    const notes: string[] = [];
    let fullSpeed: LinkLoadResult | undefined;
    for (const rate of [undefined, ...RATES]) {
      const before = await clicks.countDocuments();
      options.log(`links: ${options.connections} connections for ${durationSec} s${rate ? ` at ${fmt(rate)}/s` : ''} …`);
      const r = await load({ url: server.url, paths, connections: options.connections, durationSec, ...(rate ? { rate } : {}) });
      // Every redirect queues one click; the clicks still queued when the load stops are written after it.
      const stored = (await settled(() => clicks.countDocuments())) - before;
      const redirected = r.requests - r.notRedirected;
      const dropped = Math.max(0, redirected - stored);
      fullSpeed ??= r;
      options.log(`    ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${fmt(stored)} of ${fmt(redirected)} clicks stored`);
      rows.push(
        `| ${rate ? `${fmt(rate)}/s offered` : 'as fast as answered'} | ${options.connections} | ${fmt(Math.round(r.rps))} | ${r.p50} ms | ${r.p99} ms | ${r.max} ms | ${r.notRedirected} | ${r.errors} | ${fmt(redirected)} | ${fmt(stored)} | ${fmt(dropped)} (${((100 * dropped) / Math.max(1, redirected)).toFixed(1)}%) |`,
      );
      notes.push(`${rate ? `${fmt(rate)}/s` : 'full speed'}: ${dropped === 0 ? 'every click stored' : `${fmt(dropped)} clicks dropped`}`);
    }
    const r = fullSpeed!;
    return [
      `| tracked-link redirect (\`GET /l/<code>\`, no OAuth, half anonymous, half signed per-fan) | connections | req/s | p50 | p99 | max | not 302 | errors | clicks | stored | dropped |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `target: redirect p99 < ${TARGET_P99_MS} ms at ${options.connections} connections (full speed): ${r.p99} ms (${r.p99 < TARGET_P99_MS && r.notRedirected === 0 ? 'met' : 'NOT met'}); clicks: ${notes.join('; ')}`,
    ];
  } finally {
    await server.child.kill();
  }
}

/** `count()` once it has not changed for a second (the recorder's queue is drained), at most 60 s. */
async function settled(count: () => Promise<number>): Promise<number> {
  let last = await count();
  for (let waited = 0; waited < 60_000; waited += 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await count();
    if (now === last) {
      return now;
    }
    last = now;
  }
  return last;
}

async function load(job: LinkLoadJob): Promise<LinkLoadResult> {
  const child = startChild('link-load.ts', [], CPUS.load);
  child.process.send(job);
  const answer = await child.firstMessage<{ result?: LinkLoadResult; error?: string }>();
  await child.kill();
  if (!answer.result) {
    throw new Error(`link load failed: ${answer.error ?? 'no result'}`);
  }
  return answer.result;
}

/**
 * The link section: tracked-link redirects (`GET /l/<code>`) on a fanhook in its own
 * process, under load from another process at N connections. Half the requests open a link
 * outside WeChat (an anonymous click), half through a signed per-fan code (an identified
 * click, first or repeat): every request stores its click and redirects. OAuth round trips
 * are not part of it — they wait on WeChat, not on fanhook.
 */
import type { Connection } from 'mongoose';
import { loadConfig } from '../src/config.js';
import type { FakeWechatApi } from '../src/devtools/fake-wechat-api.js';
import { systemClock } from '../src/lib/clock.js';
import { fanToken } from '../src/links/link-signing.js';
import { LinkTracker } from '../src/links/link-tracker.js';
import type { LinkLoadJob, LinkLoadResult } from './link-load.js';
import { CPUS, startChild, startServer } from './processes.js';

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
  try {
    const durationSec = options.quick ? 5 : 15;
    // A short warm-up, as the callback section does: V8's and the database's first requests are not the steady state.
    await load({ url: server.url, paths, connections: options.connections, durationSec: 2 });
    options.log(`links: ${options.connections} connections for ${durationSec} s …`);
    const r = await load({ url: server.url, paths, connections: options.connections, durationSec });
    const clicks = await options.connection.collection('link_clicks').countDocuments();
    options.log(`    ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${clicks} clicks stored`);
    return [
      `| tracked-link redirect (\`GET /l/<code>\`, no OAuth) | connections | req/s | p50 | p99 | max | not 302 | errors |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      `| half anonymous, half signed per-fan | ${options.connections} | ${Math.round(r.rps)} | ${r.p50} ms | ${r.p99} ms | ${r.max} ms | ${r.notRedirected} | ${r.errors} |`,
      '',
      `target: redirect p99 < ${TARGET_P99_MS} ms at ${options.connections} connections: ${r.p99} ms (${r.p99 < TARGET_P99_MS && r.notRedirected === 0 ? 'met' : 'NOT met'}); clicks stored: ${clicks.toLocaleString('en-US')}`,
    ];
  } finally {
    await server.child.kill();
  }
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

/**
 * The load generator, run as its own process (pinned to another core when possible) so it
 * does not steal the server's CPU. Pre-builds the signed requests, then drives autocannon
 * and reports the figures to the parent over IPC.
 */
import autocannon from 'autocannon';
import { latencyFigures, serveOneJob } from './load-worker.js';
import { requestBuilder, type BuiltRequest, type RequestBuilderOptions } from './bench-requests.js';

/** What the parent asks for. */
export interface LoadJob extends RequestBuilderOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Requests built before the clock starts; more are built on the fly if the server is faster. */
  poolSize: number;
  /** Stop after this many requests (follow bursts), instead of after `durationSec`. */
  amount?: number;
}

/** What the load generator reports. */
export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers carrying a reply XML (not `success`). */
  replies: number;
  durationSec: number;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const build = requestBuilder(job);
  const pool: BuiltRequest[] = [];
  for (let i = 0; i < job.poolSize; i += 1) {
    pool.push(build(i));
  }
  let next = 0;
  let replies = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    ...(job.amount ? { amount: job.amount } : { duration: job.durationSec }),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        setupRequest: (request: Record<string, unknown>) => {
          const built = next < pool.length ? pool[next]! : build(next);
          next += 1;
          return { ...request, path: built.path, body: built.body };
        },
        onResponse: (status: number, body: string) => {
          if (status === 200 && body.startsWith('<xml>')) {
            replies += 1;
          }
        },
      },
    ],
  });
  return {
    ...latencyFigures(result, job.durationSec),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    replies,
    durationSec: result.duration,
  };
}

serveOneJob(run);

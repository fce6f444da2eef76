/**
 * The load generator of the link section, in its own process: opens tracked links with
 * autocannon (half as a desktop browser, half through signed per-fan codes — the redirects
 * that need no OAuth round trip) and reports the figures to the parent over IPC.
 */
import autocannon from 'autocannon';
import { latencyFigures, serveOneJob } from './load-worker.js';

export interface LinkLoadJob {
  url: string;
  /** Request paths (`/l/<code>` or `/l/<code>/<fan token>`), used in turn. */
  paths: string[];
  connections: number;
  durationSec: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  rate?: number;
}

export interface LinkLoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  /** Answers that were not a redirect (302). */
  notRedirected: number;
}

const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';

async function run(job: LinkLoadJob): Promise<LinkLoadResult> {
  let next = 0;
  let notRedirected = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationSec,
    timeout: 10,
    ...(job.rate ? { overallRate: job.rate } : {}),
    requests: [
      {
        method: 'GET',
        headers: { 'user-agent': DESKTOP_UA },
        setupRequest: (request: Record<string, unknown>) => {
          const path = job.paths[next % job.paths.length]!;
          next += 1;
          return { ...request, path };
        },
        onResponse: (status: number) => {
          if (status !== 302) {
            notRedirected += 1;
          }
        },
      },
    ],
  });
  return {
    ...latencyFigures(result, job.durationSec),
    errors: result.errors + result.timeouts,
    notRedirected,
  };
}

serveOneJob(run);

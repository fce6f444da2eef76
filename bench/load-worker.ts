/**
 * What the autocannon child processes (load.ts, link-load.ts) share: the latency figures they
 * report and the one-job IPC exchange with the bench that forked them.
 */
import type autocannon from 'autocannon';

type AutocannonResult = Awaited<ReturnType<typeof autocannon>>;

/** Requests, throughput and latency of one autocannon run. */
export function latencyFigures(result: AutocannonResult, durationSec: number) {
  return {
    requests: result.requests.total,
    rps: result.requests.total / (result.duration || durationSec),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

/** Waits for the parent's job, runs it, sends back its result (or error) and exits. */
export function serveOneJob<J, R>(run: (job: J) => Promise<R>): void {
  process.once('message', (job: J) => {
    run(job).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1)),
    );
  });
}

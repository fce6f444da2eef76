/**
 * The segment section: seeds 100,000 (and, without --quick, 1,000,000) fans and measures
 * `/segment` evaluation, broadcast planning and the tag-rule sweep, each in a fresh process
 * so its time and peak memory are its own.
 */
import { withDatabase } from '../src/db/with-database.js';
import { startChild } from './processes.js';
import { BENCH_SEGMENT, type SegmentTask } from './segment-worker.js';

export interface SegmentBenchOptions {
  /** Server URI without a database (from startLocalDatabase). */
  serverUri: string;
  quick: boolean;
  log: (line: string) => void;
}

interface TaskResult {
  ms: number;
  peakMiB: number;
  detail: Record<string, unknown>;
}

/** Runs one task in a child process, giving up after `timeoutMs`. */
async function runTask(uri: string, job: SegmentTask, timeoutMs: number): Promise<TaskResult | string> {
  const child = startChild('segment-worker.ts', []);
  child.process.send({ uri, job });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`gave up after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
  });
  const answer = await Promise.race([
    child.firstMessage<TaskResult & { error?: string }>().catch((error: Error) => ({ error: error.message })),
    timeout,
  ]);
  clearTimeout(timer);
  await child.kill();
  if (typeof answer === 'string') {
    return answer;
  }
  return 'error' in answer && answer.error ? `failed: ${answer.error.split('\n')[0]}` : (answer as TaskResult);
}

const cell = (r: TaskResult | string): [string, string] =>
  typeof r === 'string' ? [r, '—'] : [`${(r.ms / 1000).toFixed(1)} s`, `${Math.round(r.peakMiB)} MiB`];

export async function runSegmentBench(options: SegmentBenchOptions): Promise<string[]> {
  const sizes = options.quick ? [100_000] : [100_000, 1_000_000];
  const results = new Map<string, TaskResult | string>();
  const lines = [`| fans | task (\`${BENCH_SEGMENT}\`) | time | peak memory | result |`, '|---:|---|---:|---:|---|'];
  for (const size of sizes) {
    const uri = withDatabase(options.serverUri, `fanhook_bench_seg_${size}`);
    options.log(`segments: seeding ${size.toLocaleString('en-US')} fans …`);
    const seeded = await runTask(uri, { task: 'seed', count: size }, 30 * 60_000);
    lines.push(`| ${size.toLocaleString('en-US')} | seed (insertMany of 5,000) | ${cell(seeded).join(' | ')} | |`);
    const limit = options.quick ? 60_000 : size >= 1_000_000 ? 10 * 60_000 : 5 * 60_000;
    for (const [task, label] of [
      // The baseline: what the database alone takes to hand over every fan, no filter, no work.
      ['scan', 'baseline: read every fan, nothing else'],
      ['segment', '`/segment` evaluation'],
      ['plan', 'broadcast planning'],
      ['sweep', 'tag-rule sweep'],
    ] as const) {
      options.log(`segments: ${label} over ${size.toLocaleString('en-US')} fans …`);
      const job: SegmentTask = task === 'sweep' || task === 'scan' ? { task } : { task, expr: BENCH_SEGMENT };
      const result = await runTask(uri, job, limit);
      results.set(`${task}:${size}`, result);
      const detail =
        typeof result === 'string'
          ? ''
          : Object.entries(result.detail)
              .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`)
              .join(', ');
      const scan = results.get(`scan:${size}`);
      const ratio =
        task !== 'scan' && typeof result !== 'string' && scan !== undefined && typeof scan !== 'string'
          ? `${detail ? ', ' : ''}${(result.ms / scan.ms).toFixed(2)} × the baseline`
          : '';
      options.log(`    ${cell(result).join(', ')} ${detail}${ratio}`);
      lines.push(`| ${size.toLocaleString('en-US')} | ${label} | ${cell(result).join(' | ')} | ${detail}${ratio} |`);
    }
  }
  lines.push('', targetLine(results));
  return lines;
}

/** The targets, each with the figure measured (or why there is none). */
function targetLine(results: Map<string, TaskResult | string>): string {
  const check = (key: string, maxMs: number, maxMiB = Infinity): string => {
    const r = results.get(key);
    if (r === undefined) {
      return 'not run (without --quick only)';
    }
    if (typeof r === 'string') {
      return `NOT met (${r})`;
    }
    const ok = r.ms < maxMs && r.peakMiB < maxMiB;
    return `${(r.ms / 1000).toFixed(1)} s, ${Math.round(r.peakMiB)} MiB (${ok ? 'met' : 'NOT met'})`;
  };
  return (
    `targets: 100,000-fan /segment < 2 s: ${check('segment:100000', 2_000)}; ` +
    `1,000,000-fan broadcast planning < 60 s in < 512 MiB: ${check('plan:1000000', 60_000, 512)}; ` +
    `1,000,000-fan rule sweep < 120 s: ${check('sweep:1000000', 120_000)}`
  );
}

/**
 * The segment section: seeds 100,000 (and, without --quick, 1,000,000) fans, refreshes the
 * planner's statistics, and measures the raw driver's countDocuments of the segment's filter
 * (the baseline: the database's own answer) and `/segment` evaluation at each size, and at the
 * largest broadcast planning and the tag-rule sweeps (the hourly one, then the first over every
 * fan), each in a fresh process so its time and peak memory are its own.
 */
import mongoose from 'mongoose';
import { withDatabase } from '../src/db/with-database.js';
import { startChild } from './processes.js';
import { BENCH_SEGMENT, type SegmentTask } from './segment-worker.js';
import { check, fmt } from './table.js';

export interface SegmentBenchOptions {
  /** Server URI without a database (from startLocalDatabase). */
  serverUri: string;
  quick: boolean;
  /** Fan counts to seed and measure (default 100,000 and 1,000,000; 100,000 with --quick). */
  sizes?: number[];
  log: (line: string) => void;
  /** Refreshes the database's planner statistics after the bulk load. */
  analyze: () => Promise<void>;
}

interface TaskResult {
  /** The median when the task ran several times (`runsMs`). */
  ms: number;
  runsMs?: number[];
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

/** Drops a seeded database (before seeding, so a rerun on an external server starts clean; and after). */
async function dropDatabase(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const cell = (r: TaskResult | string): [string, string] =>
  typeof r === 'string' ? [r, '—'] : [seconds(r.ms), `${Math.round(r.peakMiB)} MiB`];

type Task = SegmentTask['task'];
const TASKS: [Exclude<Task, 'seed'>, string][] = [
  ['count', 'baseline: raw driver countDocuments of the filter'],
  ['segment', '`/segment` evaluation'],
  ['plan', 'broadcast planning'],
  // The hourly run first: the full sweep rewrites the fans it reads.
  ['hourly-sweep', 'tag-rule sweep, hourly (same rules swept an hour ago)'],
  ['sweep', 'tag-rule sweep, first (every fan read, its tags set)'],
];
/** How long a task may run before it is given up: 1.5 to 2 times its target at 1,000,000 fans. */
const LIMIT_MS: Record<Exclude<Task, 'seed'>, number> = {
  count: 60_000,
  segment: 60_000,
  plan: 120_000,
  'hourly-sweep': 180_000,
  sweep: 180_000,
};
/**
 * The count and `/segment` are read-only: each is timed this many times in its own process and
 * the median reported, so the ratio compares two medians, not two single samples.
 */
const READ_RUNS = 5;
/** Planning and the sweeps have targets at the largest size only, and run only there. */
const LARGEST_ONLY = new Set<Task>(['plan', 'hourly-sweep', 'sweep']);

export async function runSegmentBench(options: SegmentBenchOptions): Promise<string[]> {
  const sizes = options.sizes ?? (options.quick ? [100_000] : [100_000, 1_000_000]);
  const results = new Map<string, TaskResult | string>();
  const lines = [`| fans | task (\`${BENCH_SEGMENT}\`) | time | peak memory | result |`, '|---:|---|---:|---:|---|'];
  for (const size of sizes) {
    const uri = withDatabase(options.serverUri, `fanhook_bench_seg_${size}`);
    options.log(`segments: seeding ${fmt(size)} fans …`);
    await dropDatabase(uri);
    const seeded = await runTask(uri, { task: 'seed', count: size }, 30 * 60_000);
    await options.analyze();
    options.log(`    ${cell(seeded).join(', ')}`);
    lines.push(`| ${fmt(size)} | seed (insertMany of 5,000, then the indexes), then ANALYZE | ${cell(seeded).join(' | ')} | |`);
    const tasks = TASKS.filter(([task]) => size === Math.max(...sizes) || !LARGEST_ONLY.has(task));
    for (const [task, label] of tasks) {
      options.log(`segments: ${label} over ${fmt(size)} fans …`);
      const job: SegmentTask =
        task === 'sweep' || task === 'hourly-sweep'
          ? { task }
          : task === 'plan'
            ? { task, expr: BENCH_SEGMENT }
            : { task, expr: BENCH_SEGMENT, runs: READ_RUNS };
      const result = await runTask(uri, job, options.quick ? 60_000 : LIMIT_MS[task]);
      results.set(`${task}:${size}`, result);
      const runs =
        typeof result !== 'string' && result.runsMs
          ? `median of ${result.runsMs.length} (${result.runsMs.map((ms) => seconds(ms)).join(', ')}); `
          : '';
      const detail =
        typeof result === 'string'
          ? ''
          : runs +
            Object.entries(result.detail)
              .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : String(v)}`)
              .join(', ');
      const baseline = results.get(`count:${size}`);
      const ratio =
        task === 'segment' && typeof result !== 'string' && baseline !== undefined && typeof baseline !== 'string'
          ? `, ${(result.ms / baseline.ms).toFixed(2)} × the baseline`
          : '';
      options.log(`    ${cell(result).join(', ')} ${detail}${ratio}`);
      lines.push(`| ${fmt(size)} | ${label} | ${cell(result).join(' | ')} | ${detail}${ratio} |`);
    }
    await dropDatabase(uri);
  }
  lines.push('', ...targetLines(results));
  return lines;
}

/** The targets, each with the figure measured (or why there is none). */
function targetLines(results: Map<string, TaskResult | string>): string[] {
  const figure = (key: string, maxMs: number, maxMiB = Infinity): string => {
    const r = results.get(key);
    if (r === undefined) {
      return 'not run (without --quick only)';
    }
    if (typeof r === 'string') {
      return `NOT met (${r})`;
    }
    const memory = maxMiB < Infinity ? `, ${Math.round(r.peakMiB)} MiB` : '';
    return `${seconds(r.ms)}${memory} (${check(r.ms <= maxMs && r.peakMiB <= maxMiB)})`;
  };
  const ratio = (size: number): string => {
    const segment = results.get(`segment:${size}`);
    const count = results.get(`count:${size}`);
    if (segment === undefined || count === undefined) {
      return 'not run (without --quick only)';
    }
    if (typeof segment === 'string' || typeof count === 'string') {
      return 'NOT met (a run failed)';
    }
    const r = segment.ms / count.ms;
    return `${r.toFixed(2)} (${check(r <= 1.5)})`;
  };
  return [
    `targets: 100,000-fan /segment ≤ 0.5 s: ${figure('segment:100000', 500)}, ≤ 1.5 × countDocuments: ${ratio(100_000)}; ` +
      `1,000,000-fan /segment ≤ 3 s: ${figure('segment:1000000', 3_000)}, ≤ 1.5 × countDocuments: ${ratio(1_000_000)}`,
    `targets: 1,000,000-fan broadcast planning ≤ 60 s in ≤ 512 MiB: ${figure('plan:1000000', 60_000, 512)}; ` +
      `1,000,000-fan rule sweep ≤ 120 s: hourly ${figure('hourly-sweep:1000000', 120_000)}, first ${figure('sweep:1000000', 120_000)}`,
  ];
}

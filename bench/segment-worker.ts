/**
 * One segment-section task in its own process, so its peak memory (maxRSS) is its own:
 * seed N fans, count a segment's fans with the raw driver (the baseline), evaluate a
 * `/segment`, plan a broadcast, or sweep the tag rules. Reports `{ ms, peakMiB, detail }`
 * over IPC.
 */
import mongoose from 'mongoose';
import { countAudience } from '../src/broadcast/audience.js';
import type { BroadcastDeps } from '../src/broadcast/broadcast-deps.js';
import { planBroadcast } from '../src/broadcast/plan-broadcast.js';
import { MASS_BATCH_MAX, MONTHLY_PUSH_LIMIT } from '../src/broadcast/plan-delivery.js';
import { monthKeyIn } from '../src/broadcast/zoned-time.js';
import { recordSweepMark, sweepTags } from '../src/jobs/sweep-tags.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { compileSegment } from '../src/segments/compile-segment.js';
import { parseSegment } from '../src/segments/parse-segment.js';
import { RuleRegistry } from '../src/tagging/rule-registry.js';
import { seedFans } from './seed-fans.js';

export type SegmentTask =
  | { task: 'seed'; count: number }
  | { task: 'count'; expr: string; runs?: number }
  | { task: 'segment'; expr: string; runs?: number }
  | { task: 'plan'; expr: string }
  | { task: 'sweep' }
  | { task: 'hourly-sweep' };

/** The bench's expression: a realistic audience of about a third of the fans. */
export const BENCH_SEGMENT = 'tag:vip OR (source:store_hz active<30d)';
const LIMITS = { monthly: MONTHLY_PUSH_LIMIT, minGapMs: 0, csReserve: 1, batchSize: MASS_BATCH_MAX };
const TIMEZONE = 'Asia/Shanghai';

/**
 * Runs `job` on a connection opened first: the time reported is the task's alone. A read-only
 * task asked for several runs reports the median, with every run's time in `runsMs`: one
 * sample of a sub-second query moves by tens of percent between runs on a shared machine.
 */
async function run(uri: string, job: SegmentTask): Promise<{ ms: number; runsMs?: number[]; detail: Record<string, unknown> }> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  // A running fanhook's pool is warm: open the connections a task runs its queries on at once
  // (`/segment` sends four together) before the clock starts, not inside it.
  for (let round = 0; round < 2; round += 1) {
    await Promise.all(Array.from({ length: 4 }, () => connection.db!.command({ ping: 1 })));
  }
  try {
    const runs = 'runs' in job ? (job.runs ?? 1) : 1;
    const runsMs: number[] = [];
    let detail: Record<string, unknown> = {};
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      detail = await task(connection, job);
      runsMs.push(performance.now() - started);
    }
    const sorted = [...runsMs].sort((a, b) => a - b);
    return { ms: sorted[Math.floor(sorted.length / 2)]!, ...(runs > 1 ? { runsMs } : {}), detail };
  } finally {
    await connection.close();
  }
}

async function task(connection: mongoose.Connection, job: SegmentTask): Promise<Record<string, unknown>> {
  const now = systemClock.now();
  switch (job.task) {
    case 'seed':
      return { seeded: await seedFans(connection, job.count, now) };
    case 'count': {
      // The database's own answer to the same filter, with no fanhook code around it.
      const filter = compileSegment(parseSegment(job.expr), now);
      return { fans: await connection.db!.collection('fans').countDocuments(filter) };
    }
    case 'segment': {
      const count = await countAudience({
        connection,
        filter: compileSegment(parseSegment(job.expr), now),
        now,
        month: monthKeyIn(now, TIMEZONE),
        limits: LIMITS,
      });
      return {
        total: count.total,
        customer: count.customer,
        mass: count.mass,
        massCalls: count.massCalls,
        quotaExcluded: count.quotaExcluded,
      };
    }
    case 'plan': {
      // Only what planBroadcast reads: it plans, it sends nothing.
      const rules = await RuleRegistry.load('templates');
      const deps = {
        connection,
        clock: systemClock,
        logger: silentLogger,
        timezone: TIMEZONE,
        templatesDir: 'templates',
        shopName: () => '小满衣橱',
        syncedTags: () => rules.syncedTagNames(),
        limits: LIMITS,
      } as Partial<BroadcastDeps>;
      const planned = await planBroadcast(deps as BroadcastDeps, {
        expr: job.expr,
        content: { type: 'text', text: '双十二会员专享：全场满 300 减 50' },
      });
      return { ...planned.numbers };
    }
    case 'sweep':
    case 'hourly-sweep': {
      const rules = await RuleRegistry.load('templates');
      if (job.task === 'hourly-sweep') {
        // As the job runs every hour: the same rules were swept an hour ago.
        await recordSweepMark(connection, rules.sweepRules, new Date(now.getTime() - 3_600_000));
      } else {
        // A first sweep: no mark, so every fan is read (the hourly run before left one).
        await connection.collection('sweep_marks').deleteMany({});
      }
      const result = await sweepTags({ connection, rules, clock: systemClock, logger: silentLogger });
      return { scanned: result.scanned, updated: result.updated };
    }
  }
}

process.once('message', ({ uri, job }: { uri: string; job: SegmentTask }) => {
  run(uri, job).then(
    ({ ms, runsMs, detail }) => {
      // maxRSS is in KiB: the peak resident memory of this whole process.
      process.send?.({ ms, runsMs, peakMiB: process.resourceUsage().maxRSS / 1024, detail }, () => process.exit(0));
    },
    (error: unknown) => process.send?.({ error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1)),
  );
});

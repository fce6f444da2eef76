/**
 * fanhook itself for the benchmark, in its own process: the real composition root on the
 * benchmark's database and fake WeChat API, HTTP only (FANHOOK_ROLE=web, as a scaled-out web
 * instance runs). Reports its port to the parent over IPC, and on request the database
 * commands it sent and its memory.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mongoose from 'mongoose';

/**
 * Environment for loadConfig, passed by the parent as JSON in argv[2]. `BENCH_REPLAY_LEDGER=off`
 * (the benchmark's own switch, not fanhook's) runs without the signed-pair replay check, to
 * measure what that check costs.
 */
const { BENCH_REPLAY_LEDGER, ...env } = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
/** Every pair is new: what fanhook did before the replay check existed. */
const noLedger = { record: () => Promise.resolve('fresh' as const) };
/**
 * The fanhook source tree to run: this checkout's, or (argv[3]) an exported older commit's,
 * so one bench run can measure before and after a change under the same conditions.
 */
const srcRoot = process.argv[3] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(srcRoot, file)).href) as Promise<T>;

async function start(): Promise<void> {
  const [{ loadConfig }, { createFanhook }, { createLogger }] = await Promise.all([
    load<typeof import('../../src/config.js')>('config.ts'),
    load<typeof import('../../src/fanhook.js')>('fanhook.ts'),
    load<typeof import('../../src/lib/logger.js')>('lib/logger.ts'),
  ]);
  const config = loadConfig(env);
  // Warnings only: a missed reply deadline or a failed write during the run must be seen.
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  // Same options as src/db/connect.ts, plus command monitoring: the profile says where time goes.
  const connection = await mongoose
    .createConnection(config.mongodbUri!, { serverSelectionTimeoutMS: 10_000, autoIndex: true, monitorCommands: true })
    .asPromise();
  const profile = profileCommands(connection);
  const cpu = cpuShare();
  const fanhook = await createFanhook({ config, connection, logger, ...(BENCH_REPLAY_LEDGER === 'off' ? { pairs: noLedger } : {}) });
  await Promise.all(Object.values(connection.models).map((model) => model.init()));
  if (config.role !== 'web') {
    await fanhook.startJobs();
  }
  const port = await fanhook.listen(0);
  process.send?.({ port });
  process.on('message', (message: { type?: string; collect?: boolean }) => {
    if (message.type === 'profile') {
      process.send?.({ profile: profile.take(), cpu: cpu.take() });
    }
    if (message.type === 'memory') {
      // `collect`: a full collection first, so heapUsed is what the process still holds (the
      // children run with --expose-gc), the figure a leak shows in.
      if (message.collect && typeof globalThis.gc === 'function') {
        globalThis.gc();
      }
      const { rss, heapUsed } = process.memoryUsage();
      process.send?.({ memory: { rss, heapUsed } });
    }
    if (message.type === 'stop') {
      void fanhook
        .stop(2_000)
        .then(() => connection.close())
        .finally(() => process.exit(0));
    }
  });
}

start().catch((error: unknown) => {
  process.stderr.write(`bench fanhook failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

interface CommandStats {
  count: number;
  totalMs: number;
}

/** Counts database commands by name and collection, with their total duration. */
function profileCommands(connection: mongoose.Connection): { take(): Record<string, CommandStats> } {
  let stats: Record<string, CommandStats> = {};
  const started = new Map<number, { key: string; at: number }>();
  const client = connection.getClient();
  client.on('commandStarted', (event) => {
    const collection = String((event.command as Record<string, unknown>)[event.commandName] ?? '');
    started.set(event.requestId, { key: `${event.commandName} ${collection}`.trim(), at: performance.now() });
  });
  const finish = (event: { requestId: number }): void => {
    const entry = started.get(event.requestId);
    if (!entry) {
      return;
    }
    started.delete(event.requestId);
    const s = (stats[entry.key] ??= { count: 0, totalMs: 0 });
    s.count += 1;
    s.totalMs += performance.now() - entry.at;
  };
  client.on('commandSucceeded', finish);
  client.on('commandFailed', finish);
  return {
    take() {
      const taken = stats;
      stats = {};
      return taken;
    },
  };
}

/** The share of one core this process used since the last take: 1 means a core saturated. */
function cpuShare(): { take(): number } {
  let since = { usage: process.cpuUsage(), at: performance.now() };
  return {
    take() {
      const used = process.cpuUsage(since.usage);
      const wallMs = performance.now() - since.at;
      since = { usage: process.cpuUsage(), at: performance.now() };
      return (used.user + used.system) / 1000 / Math.max(1, wallMs);
    },
  };
}

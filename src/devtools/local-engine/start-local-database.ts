/**
 * The database for dev, tests and the benchmark on a machine without MongoDB (SPEC §11): a
 * `mongod` on PATH when there is one, else the local engine — PostgreSQL 15 with DocumentDB and
 * FerretDB 2.5 speaking the MongoDB wire protocol in front of it — on free loopback ports, with
 * its data under `dataDir`. Production always sets MONGODB_URI and never loads this module.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import { AppError } from '../../errors.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { defaultCacheDir, ensureEngine, type EngineFiles } from './ensure-engine.js';
import { findFreePort } from './free-port.js';
import { giveTo, makeReachable, run, serverUser, type RunAs } from './run-as.js';
import { spawnWatched, type WatchedProcess } from './watched-process.js';

const READY_TIMEOUT_MS = 60_000;

export interface LocalDatabaseOptions {
  /** Where the server keeps its files; kept between starts (dev) or removed by the caller (tests). */
  readonly dataDir: string;
  readonly cacheDir?: string;
  readonly logger?: Logger;
  /**
   * A throwaway database (a test run): PostgreSQL skips fsync — a killed server still loses no
   * acknowledged write (the WAL is in the OS's hands), only a crash of the machine would, and
   * that loses nothing anyone keeps. Dev data stays safe from both.
   */
  readonly ephemeral?: boolean;
}

export interface LocalDatabase {
  /** `mongodb://127.0.0.1:PORT/` — add a database name with withDatabase(). */
  readonly uri: string;
  readonly kind: 'mongod' | 'local-engine';
  /** Stops cleanly (FerretDB, then PostgreSQL). */
  stop(): Promise<void>;
  /** SIGKILL everything now, as a crash or an outage would (fault tests). */
  kill(): Promise<void>;
  /** Starts again on the same ports and data after kill() or stop(). */
  restart(): Promise<void>;
  /** Refreshes the planner's statistics after a bulk load (the local engine only; MongoDB needs none). */
  analyze(): Promise<void>;
}

export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const logger = options.logger ?? silentLogger;
  if (await hasMongod()) {
    return startMongod(options, logger);
  }
  const files = await ensureEngine(options.cacheDir ?? defaultCacheDir());
  return startEngine(files, options, logger);
}

function hasMongod(): Promise<boolean> {
  return new Promise((resolve) => execFile('mongod', ['--version'], { timeout: 15_000 }, (error) => resolve(!error)));
}

async function startMongod(options: LocalDatabaseOptions, logger: Logger): Promise<LocalDatabase> {
  const port = await findFreePort();
  const dbPath = path.join(options.dataDir, 'mongo');
  await mkdir(dbPath, { recursive: true });
  const uri = `mongodb://127.0.0.1:${port}/`;
  const launch = (): WatchedProcess =>
    spawnWatched(['mongod', '--dbpath', dbPath, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet']);
  let server = launch();
  await waitForMongo(uri, server);
  logger.info({ uri }, 'local mongod ready');
  return {
    uri,
    kind: 'mongod',
    stop: () => server.stop(),
    kill: () => server.kill(),
    restart: async () => {
      server = launch();
      await waitForMongo(uri, server);
    },
    analyze: async () => undefined,
  };
}

async function startEngine(files: EngineFiles, options: LocalDatabaseOptions, logger: Logger): Promise<LocalDatabase> {
  const user = await serverUser();
  const pgData = path.join(options.dataDir, 'engine', 'postgres');
  const ferretState = path.join(options.dataDir, 'engine', 'ferretdb');
  await mkdir(ferretState, { recursive: true });
  if (user) {
    await makeReachable(files.pgBin, logger);
    await makeReachable(options.dataDir, logger);
  }
  const [pgPort, wirePort] = [await findFreePort(), await findFreePort()];
  const env = { ...process.env, LD_LIBRARY_PATH: files.pgLib, LC_ALL: 'C.UTF-8' };
  await initCluster(files, pgData, user, env);
  await writeSettings(pgData, pgPort, options.ephemeral ?? false, user);

  const psql = (sql: string): Promise<string> =>
    run(
      path.join(files.pgBin, 'psql'),
      [
        '-X',
        '-q',
        '-A',
        '-t',
        '-h',
        '127.0.0.1',
        '-p',
        String(pgPort),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ],
      { env },
    );
  const uri = `mongodb://127.0.0.1:${wirePort}/`;
  let postgres: WatchedProcess | undefined;
  let ferretdb: WatchedProcess | undefined;

  const startPostgres = (): WatchedProcess =>
    spawnWatched([path.join(files.pgBin, 'postgres'), '-D', pgData], {
      stopSignal: 'INT', // "fast" shutdown: the default waits for every client to leave
      env,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
  const launch = async (): Promise<void> => {
    postgres = startPostgres();
    // After a kill, the old server's backends (each in a session of its own) take a moment to
    // notice their postmaster is gone, and until then a new one refuses the data directory.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      try {
        await waitFor('PostgreSQL', postgres, () => psql('SELECT 1'));
        break;
      } catch (error) {
        if (!postgres.exited || !/already exists|still in use/.test(postgres.tail()) || Date.now() > deadline) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
        postgres = startPostgres();
      }
    }
    await psql('CREATE EXTENSION IF NOT EXISTS documentdb CASCADE');
    ferretdb = spawnWatched([
      files.ferretdb,
      `--postgresql-url=postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      `--listen-addr=127.0.0.1:${wirePort}`,
      `--state-dir=${ferretState}`,
      // Loopback only, and a throwaway or developer's database: no accounts to manage.
      '--no-auth',
      // Its debug HTTP server defaults to a fixed port and would collide between instances.
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ]);
    await waitForMongo(uri, ferretdb);
    for (const [name, proc] of [
      ['PostgreSQL', postgres],
      ['FerretDB', ferretdb],
    ] as const) {
      proc.onUnexpectedExit = (code) => logger.error({ code, output: proc.tail() }, `local engine: ${name} exited unexpectedly`);
    }
  };
  const stopAll = async (how: 'stop' | 'kill'): Promise<void> => {
    await ferretdb?.[how]();
    await postgres?.[how]();
  };

  logger.info({ dataDir: options.dataDir }, 'starting the local engine (FerretDB 2.5 on PostgreSQL 15 + DocumentDB)');
  try {
    await launch();
  } catch (error) {
    await stopAll('stop');
    throw error;
  }
  logger.info({ uri }, 'local engine ready');
  return {
    uri,
    kind: 'local-engine',
    stop: () => stopAll('stop'),
    kill: () => stopAll('kill'),
    restart: launch,
    analyze: async () => {
      await psql('ANALYZE');
    },
  };
}

async function initCluster(files: EngineFiles, pgData: string, user: RunAs | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  if (
    await access(path.join(pgData, 'PG_VERSION')).then(
      () => true,
      () => false,
    )
  ) {
    return;
  }
  await mkdir(pgData, { recursive: true, mode: 0o700 });
  if (user) {
    await giveTo(pgData, user);
  }
  // trust: the server listens on loopback only and holds a developer's or a test's data.
  await run(path.join(files.pgBin, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], {
    env,
    timeoutMs: 120_000,
    ...(user ? { user } : {}),
  });
  await run('sh', ['-c', `echo "include 'fanhook.conf'" >> "$0"`, path.join(pgData, 'postgresql.conf')]);
}

/** fanhook.conf is rewritten at every start: the ports are new each time. */
async function writeSettings(pgData: string, port: number, ephemeral: boolean, user: RunAs | undefined): Promise<void> {
  const lines = [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${pgData}'`,
    // What DocumentDB needs (its scripts/start_oss_server.sh).
    "shared_preload_libraries = 'pg_cron, pg_documentdb_core, pg_documentdb'",
    "cron.database_name = 'postgres'",
    "documentdb.enableBackgroundWorker = 'true'",
    "documentdb.enableBackgroundWorkerJobs = 'true'",
    // FerretDB pools its own connections, and each test file opens a few pools of its own.
    'max_connections = 300',
    // synchronous_commit stays on: an acknowledged write survives the server being killed, as
    // with MongoDB's default write concern (the fault tests kill it mid-burst).
    // Two writers racing to insert one unique key can deadlock in DocumentDB's exclusion
    // constraints; find that in a tenth of the default second (FerretDB then retries the loser).
    "deadlock_timeout = '100ms'",
    // Build each compound index as one composite-term RUM index (one term per document for all
    // its keys, ordered like a MongoDB B-tree) instead of one posting tree per key: fewer index
    // pages touched per fan update (README, benchmark). MongoDB refuses unknown per-index
    // options, so this stays the engine's default rather than an option fanhook's code passes.
    "documentdb.defaultUseCompositeOpClass = 'on'",
    // full_page_writes stays on even for a throwaway database: without it a killed server came
    // back with a RUM index on which every insert spun forever in rumFindLeafPage (never
    // answering, never noticing its postmaster had died), and the fault tests kill it.
    ...(ephemeral ? ['fsync = off'] : []),
    "log_min_messages = 'warning'",
  ];
  const file = path.join(pgData, 'fanhook.conf');
  await writeFile(file, `${lines.join('\n')}\n`);
  if (user) {
    await giveTo(pgData, user);
  }
}

async function waitFor(name: string, server: WatchedProcess, probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new AppError(`local engine: ${name} exited with code ${server.exitCode} before accepting connections:\n${server.tail()}`, {
        code: 'local_database_unavailable',
      });
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new AppError(
    `local engine: ${name} did not accept connections within ${READY_TIMEOUT_MS / 1000} s (${lastError instanceof Error ? lastError.message : String(lastError)}):\n${server.tail()}`,
    { code: 'local_database_unavailable', cause: lastError },
  );
}

function waitForMongo(uri: string, server: WatchedProcess): Promise<void> {
  return waitFor('the MongoDB-wire server', server, async () => {
    // mongoose re-exports the driver it depends on.
    const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
    } finally {
      await client.close().catch(() => undefined);
    }
  });
}

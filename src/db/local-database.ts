/**
 * A local MongoDB-wire server for tests and `npm run dev`, so a fresh machine needs no
 * MongoDB install: a `mongod` on PATH when there is one, else FerretDB 1.24 on SQLite
 * (shared/SPEC.md §11), built once from the Go module proxy when no binary exists.
 * Production always sets MONGODB_URI and never reaches this module.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { AppError } from '../errors.js';
import { silentLogger, type Logger } from '../lib/logger.js';

/** The FerretDB release we support; 1.x is the last line with the embedded SQLite backend. */
export const FERRETDB_VERSION = 'v1.24.1';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
/**
 * Four small patches to FerretDB 1.24's SQLite backend, so a lookup by `_id` or by one of
 * fanhook's string keys (`openId`…) uses its index instead of scanning the table (200 ms per
 * updateOne at 20,000 documents, 1.5 ms after, flat at 100,000). All change speed only: every
 * handler filters the returned documents again by the whole filter in Go, and the data files
 * are unchanged, so patched and unpatched binaries read each other's files.
 */
const FERRETDB_PATCHES = [
  {
    // It filters by `->'$._id'` but indexes `->"_id"`; SQLite matches index expressions by their
    // text, so the index was never used. `->'_id'` is the same JSON path and matches it.
    file: path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: `IDColumn = DefaultColumn + "->'_id'"`,
  },
  {
    // It narrows by `_id` only when `_id` is the whole filter; a conditional update such as
    // `{ _id, tagsRev: 3 }` (optimistic concurrency) scanned. Narrow whenever `_id` is one of
    // the top-level equalities; the rest of the filter is applied afterwards as before.
    file: path.join('internal', 'backends', 'sqlite', 'collection.go'),
    from: 'if params.Filter.Len() == 1 {',
    to: 'if params.Filter.Len() >= 1 {',
  },
  {
    // `_id: { $in: [...] }` (a broadcast batch reading its fans' quota) scanned the table too:
    // narrow it by the same index with `IN (...)` when every element is a string or ObjectId.
    // Anything else (other element types, more than 10,000 ids) keeps the scan.
    file: path.join('internal', 'backends', 'sqlite', 'collection.go'),
    from: goLines([
      '\t\tswitch v.(type) {',
      '\t\tcase string, types.ObjectID:',
      '\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)',
      '\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}',
      '\t\t}',
    ]),
    to: goLines([
      '\t\tswitch v := v.(type) {',
      '\t\tcase string, types.ObjectID:',
      '\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)',
      '\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}',
      '\t\tcase *types.Document:',
      '\t\t\tif in, _ := v.Get("$in"); v.Len() == 1 {',
      '\t\t\t\tif ids, ok := in.(*types.Array); ok && ids.Len() > 0 && ids.Len() <= 10000 {',
      '\t\t\t\t\tvar marks []string',
      '\t\t\t\t\tfor i := 0; i < ids.Len(); i++ {',
      '\t\t\t\t\t\tswitch id := must.NotFail(ids.Get(i)); id.(type) {',
      '\t\t\t\t\t\tcase string, types.ObjectID:',
      '\t\t\t\t\t\t\tmarks = append(marks, "?")',
      '\t\t\t\t\t\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(id))))',
      '\t\t\t\t\t\t}',
      '\t\t\t\t\t}',
      '\t\t\t\t\tif len(marks) == ids.Len() {',
      '\t\t\t\t\t\twhereClause = fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, strings.Join(marks, ", "))',
      '\t\t\t\t\t} else {',
      '\t\t\t\t\t\targs = nil',
      '\t\t\t\t\t}',
      '\t\t\t\t}',
      '\t\t\t}',
      '\t\t}',
    ]),
  },
  {
    // fanhook looks its documents up by string keys — fans, interactions and handoffs by the
    // fan's openid, a handoff by its short id (`/take A7K2`) or its staff member, a mass-send
    // batch by WeChat's msg_id (MASSSENDJOBFINISH, batches of up to 10,000 openids) — and 1.24
    // pushed no filter but `_id` down to SQLite, so such a lookup decoded the whole collection
    // in Go (a handoff's recent messages: 8.4 s at 100,000 interactions). When nothing narrowed
    // the query by `_id`, narrow the first of these keys that the filter sets to a string, by the
    // same JSON path as its index (`->"openId"`). Only for these keys, which fanhook always
    // stores as strings: an array value would not match here, while MongoDB matches its elements.
    file: path.join('internal', 'backends', 'sqlite', 'collection.go'),
    from: goLines(['\tq += whereClause', '']),
    to: goLines([
      '\tfor _, key := range []string{"openId", "shortId", "staffOpenId", "msgId"} {',
      '\t\tif whereClause != "" {',
      '\t\t\tbreak',
      '\t\t}',
      '\t\tv, _ := params.Filter.Get(key) // nil when the filter does not set it',
      '\t\tif value, ok := v.(string); ok {',
      "\t\t\twhereClause = ` WHERE ` + metadata.DefaultColumn + `->'` + key + `' = ?`",
      '\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(value)))}',
      '\t\t}',
      '\t}',
      '\tq += whereClause',
      '',
    ]),
  },
];
const FERRETDB_BUILD = `${FERRETDB_VERSION}-sqlite-id-and-key-lookups`;
const READY_TIMEOUT_MS = 30_000;

/** Go source lines joined as they appear in the file (tabs are written as `\t`). */
function goLines(lines: string[]): string {
  return lines.join('\n');
}
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** Options of startLocalDatabase. */
export interface LocalDatabaseOptions {
  /** Parent directory for the server's files (`mongo/` or `ferretdb/` is created inside). */
  dataDir: string;
  logger?: Logger;
  /** TCP port on 127.0.0.1; a free one is picked when absent. */
  port?: number;
  /** Where the FerretDB binary is cached; defaults to `~/.cache/fanhook`. */
  cacheDir?: string;
}

/** A running local server; `stop()` it on shutdown (it also dies with this process). */
export interface LocalDatabase {
  /**
   * `mongodb://127.0.0.1:<port>` without a database name; for FerretDB it carries
   * `/?maxPoolSize=1`, so add a database with `withDatabase`, not by appending.
   */
  readonly uri: string;
  readonly kind: 'mongod' | 'ferretdb';
  /** SIGTERM, then SIGKILL after 5 s; safe to call twice. */
  stop(): Promise<void>;
}

/** The default binary cache: `~/.cache/fanhook`. */
export function defaultCacheDir(): string {
  return path.join(os.homedir(), '.cache', 'fanhook');
}

/**
 * Starts a local MongoDB-wire server and resolves once it answers `ping`.
 * Order: `mongod` on PATH, else FerretDB (cached, on PATH, or built with Go).
 * The server dies with this process even on SIGKILL (see `spawnWatched`).
 * @throws AppError `local_database_unavailable` naming what to install, or when the
 * server does not come up within 30 s (with the tail of its output).
 */
export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const logger = options.logger ?? silentLogger;
  const port = options.port ?? (await findFreePort());
  const address = `127.0.0.1:${port}`;

  let kind: LocalDatabase['kind'];
  let command: string[];
  if ((await runQuietly('mongod', ['--version'])) !== undefined) {
    const dbPath = path.join(options.dataDir, 'mongo');
    await mkdir(dbPath, { recursive: true });
    kind = 'mongod';
    command = ['mongod', '--dbpath', dbPath, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'];
  } else {
    const binary = await ensureFerretDbBinary(options.cacheDir ?? defaultCacheDir(), logger);
    const dir = path.join(options.dataDir, 'ferretdb');
    await mkdir(dir, { recursive: true });
    kind = 'ferretdb';
    command = [
      binary,
      '--handler=sqlite',
      // FerretDB wants a URI whose path is a directory, hence the trailing slash.
      // synchronous(normal): in WAL mode a commit is durable when the process dies and may be
      // lost only with the machine (power loss) — the durability MongoDB's default write
      // concern gives (journal flushed every 100 ms) — and a write costs about a third less
      // (no fsync per commit: 50 updates by _id in one command 0.52 → 0.32 ms each).
      `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
      `--state-dir=${dir}`,
      `--listen-addr=${address}`,
      // Its debug HTTP server defaults to a fixed port (8088) and would collide between instances.
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ];
  }

  // FerretDB decodes every document it reads into Go values, and with Go's default GOGC a full
  // read of 100,000 fans spends about a third of its CPU collecting garbage; GOGC=400 made it
  // about 20% faster (11.4 s → 9.0 s to count them) for a few MB more memory. An explicit
  // GOGC in the environment wins.
  const server = spawnWatched(command, kind === 'ferretdb' ? { GOGC: '400' } : {});
  // FerretDB 1.x on SQLite runs an update as read-then-write outside a transaction
  // (FerretDB#3040), so parallel `$inc`/`findOneAndUpdate` on one document lose writes.
  // One connection per client makes the server see a client's operations one at a time.
  const uri = kind === 'ferretdb' ? `mongodb://${address}/?maxPoolSize=1` : `mongodb://${address}`;
  logger.info({ kind, uri, dataDir: options.dataDir }, 'starting local database');
  try {
    await waitUntilReady(uri, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  server.onUnexpectedExit = (code) => logger.error({ kind, code, output: server.tail() }, 'local database exited unexpectedly');
  logger.info({ kind, uri }, 'local database ready');
  return { uri, kind, stop: server.stop };
}

/**
 * Returns the path of a working FerretDB 1.24 binary: the cached one, else `ferretdb` on
 * PATH, else one built now with Go into `cacheDir` (a one-time build of a few minutes).
 * @throws AppError `local_database_unavailable` when none exists and Go is not installed.
 */
export async function ensureFerretDbBinary(cacheDir: string, logger: Logger = silentLogger): Promise<string> {
  const cached = path.join(cacheDir, `ferretdb-${FERRETDB_BUILD}`, 'ferretdb');
  if (await isFerretDb(cached, `version: ${FERRETDB_VERSION}`)) {
    return cached;
  }
  // Any 1.x on PATH will do; 2.x dropped the SQLite backend we rely on.
  if (await isFerretDb('ferretdb', 'version: v1.')) {
    return 'ferretdb';
  }
  if ((await runQuietly('go', ['version'])) === undefined) {
    throw new AppError(
      'No local database available: install MongoDB (mongod on PATH), or Go ≥ 1.21 so FerretDB ' +
        `${FERRETDB_VERSION} can be built, or set MONGODB_URI to an existing server.`,
      { code: 'local_database_unavailable' },
    );
  }
  logger.warn({ target: cached }, `building FerretDB ${FERRETDB_VERSION} with Go: a one-time build of a few minutes`);
  await buildFerretDb(cached);
  logger.info({ path: cached }, 'FerretDB built');
  return cached;
}

/**
 * Puts `database` into a MongoDB URI's path, keeping hosts and options
 * (`mongodb://h:1/?maxPoolSize=1` → `mongodb://h:1/db?maxPoolSize=1`). With credentials and
 * no explicit authSource the driver would authenticate against the new database, so the
 * old one (or `admin`) is kept as authSource.
 */
export function withDatabase(uri: string, database: string): string {
  const [base = '', query] = uri.split(/\?(.*)/s, 2);
  const hostsEnd = base.indexOf('/', base.indexOf('://') + 3);
  const hosts = hostsEnd === -1 ? base : base.slice(0, hostsEnd);
  const previous = hostsEnd === -1 ? '' : decodeURIComponent(base.slice(hostsEnd + 1));
  let options = query ?? '';
  if (hosts.includes('@') && !/(^|&)authSource=/i.test(options)) {
    options = [options, `authSource=${encodeURIComponent(previous || 'admin')}`].filter(Boolean).join('&');
  }
  return `${hosts}/${database}${options ? `?${options}` : ''}`;
}

async function buildFerretDb(target: string): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'fanhook-ferretdb-'));
  try {
    // A throwaway module rather than `go install`: the build needs a patched, writable copy
    // of the source (below), which only a `replace` can point at.
    await runGo(work, ['mod', 'init', 'fanhook.local/ferretdb-build']);
    await runGo(work, ['get', `${FERRETDB_MODULE}/cmd/ferretdb@${FERRETDB_VERSION}`]);
    // The binary panics at start unless build/version/version.txt exists, and the module
    // zip omits it (release builds generate it). The module cache is read-only and -overlay
    // may not touch it, so build from a writable copy through a `replace`.
    const moduleDir = (await runGo(work, ['list', '-m', '-f', '{{.Dir}}', FERRETDB_MODULE])).trim();
    const source = path.join(work, 'ferretdb-src');
    await cp(moduleDir, source, { recursive: true });
    await makeWritable(source);
    await writeFile(path.join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    for (const patch of FERRETDB_PATCHES) {
      await patchFile(path.join(source, patch.file), patch.from, patch.to);
    }
    await runGo(work, ['mod', 'edit', `-replace=${FERRETDB_MODULE}=./ferretdb-src`]);
    // Build next to the target and rename, so a concurrent run never sees half a binary.
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    await runGo(work, ['build', '-buildvcs=false', '-trimpath', '-o', partial, `${FERRETDB_MODULE}/cmd/ferretdb`]);
    await rename(partial, target);
  } finally {
    // Copied module files are read-only; makeWritable ran, so this removal succeeds.
    await rm(work, { recursive: true, force: true });
  }
  if (!(await isFerretDb(target, `version: ${FERRETDB_VERSION}`))) {
    throw new AppError(`FerretDB was built at ${target} but does not run (try: ${target} --version)`, {
      code: 'local_database_unavailable',
    });
  }
}

/** Replaces `from` by `to` in `file`; refuses when `from` is not there (another version's source). */
async function patchFile(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) {
    throw new AppError(`FerretDB ${FERRETDB_VERSION} source differs from what fanhook patches: ${from} not found in ${file}`, {
      code: 'local_database_unavailable',
    });
  }
  await writeFile(file, text.replace(from, to));
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await makeWritable(full);
    } else {
      await chmod(full, 0o644);
    }
  }
}

async function isFerretDb(binary: string, expected: string): Promise<boolean> {
  return (await runQuietly(binary, ['--version']))?.includes(expected) ?? false;
}

/** Runs a command and returns its stdout, or undefined when it is missing or fails. */
function runQuietly(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000 }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

function runGo(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('go', args, { cwd, timeout: 30 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      reject(
        new AppError(`go ${args.join(' ')} failed while building FerretDB:\n${tailOf(stderr)}`, {
          code: 'local_database_unavailable',
          cause: error,
        }),
      );
    });
  });
}

/** Asks the kernel for a free port; the short window before the server binds it is accepted. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface WatchedProcess {
  readonly child: ChildProcess;
  exited: boolean;
  exitCode: number | null;
  tail(): string;
  stop(): Promise<void>;
  onUnexpectedExit: ((code: number | null) => void) | undefined;
}

/**
 * Spawns the server under a tiny `sh` watchdog holding a pipe from us: when this process
 * ends for any reason (exit, crash, SIGKILL) the pipe closes, `cat` returns and the server
 * gets SIGTERM — an `exit` hook alone would miss signals. The watchdog leads its own process
 * group so `stop()` can signal the server and the watchdog together. Everything is unref'd:
 * a forgotten `stop()` never keeps the process alive.
 */
function spawnWatched(command: string[], envDefaults: Record<string, string> = {}): WatchedProcess {
  const script = [
    // Defaults the environment may override (values are constants of this module).
    ...Object.entries(envDefaults).map(([name, value]) => `export ${name}="\${${name}:-${value}}"`),
    '"$@" & server=$!',
    'trap \'kill -TERM "$server" 2>/dev/null\' TERM INT',
    'cat >/dev/null',
    'kill -TERM "$server" 2>/dev/null',
    'wait "$server"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'sh', ...command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let stopping = false;
  let markExited: (code: number | null) => void = () => undefined;
  const exited = new Promise<void>((resolve) => {
    markExited = (code) => {
      if (watched.exited) {
        return;
      }
      watched.exited = true;
      watched.exitCode = code;
      if (!stopping) {
        watched.onUnexpectedExit?.(code);
      }
      resolve();
    };
  });
  child.once('exit', (code) => markExited(code));
  // A spawn failure (no `sh`) emits only 'error'; treat it as an exit so waiters finish.
  child.once('error', (error) => {
    collect(Buffer.from(String(error)));
    markExited(null);
  });
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    if (stream instanceof net.Socket) {
      stream.unref();
    }
  }

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) {
        process.kill(-child.pid, signal);
      }
    } catch {
      // Already gone.
    }
  };
  const watched: WatchedProcess = {
    child,
    exited: false,
    exitCode: null,
    onUnexpectedExit: undefined,
    tail: () => output.trim(),
    stop: async () => {
      stopping = true;
      if (watched.exited) {
        return;
      }
      signalGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          signalGroup('SIGKILL');
          resolve();
        }, STOP_GRACE_MS);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    },
  };
  return watched;
}

async function waitUntilReady(uri: string, server: WatchedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new AppError(`local database exited with code ${server.exitCode} before accepting connections:\n${server.tail()}`, {
        code: 'local_database_unavailable',
      });
    }
    // mongoose re-exports the driver it depends on, so no direct `mongodb` dependency is needed.
    const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new AppError(
    `local database did not accept connections at ${uri} within ${READY_TIMEOUT_MS / 1000} s ` +
      `(${lastError instanceof Error ? lastError.message : String(lastError)}). Server output:\n${server.tail()}`,
    { code: 'local_database_unavailable', cause: lastError },
  );
}

function tailOf(text: string): string {
  return text.trim().slice(-OUTPUT_TAIL_CHARS);
}

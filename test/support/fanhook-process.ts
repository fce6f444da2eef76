/**
 * Runs fanhook as a real child process (`node --import tsx src/main.ts`), for tests about what
 * only a process can do: die by SIGKILL with no chance to clean up, and be started again.
 * Plain `node` rather than the tsx binary, so the pid is fanhook itself and a signal reaches
 * it directly instead of a wrapper that would leave the real server running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import type { SimulatedFan } from '../../src/devtools/simulated-fan.js';
import { callbackEndpoint, TEST_TOKEN } from './harness.js';
import { waitFor } from './wait-for.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface FanhookProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:<port> the process reported when it started listening. */
  readonly url: string;
  readonly callbackUrl: string;
  /** Resolves when the process has exited, with its exit code or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stdout and stderr so far, interleaved. */
  output(): string;
  /** A simulated fan (or admin) sending signed plaintext callbacks to this process. */
  fan(openId: string): SimulatedFan;
  /** Sends `signal` unless the process is gone, and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface FanhookProcessOptions {
  /** Environment on top of PATH, HOME, NODE_ENV=test, WECHAT_TOKEN=TEST_TOKEN and PORT=0. */
  env: Record<string, string>;
  readyTimeoutMs?: number;
}

/** Every child still alive, so a vitest worker that exits never leaves a fanhook behind. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) {
    child.kill('SIGKILL');
  }
});

/** The port from the `fanhook listening` log line (pino JSON on stdout), once it appears. */
function listeningPort(stdout: string): number | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('fanhook listening')) {
      continue;
    }
    try {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'fanhook listening' && typeof entry.port === 'number') {
        return entry.port;
      }
    } catch {
      // A partial line: the rest arrives with the next chunk.
    }
  }
  return undefined;
}

/**
 * Starts fanhook and resolves once it listens (PORT=0: it picks a free port and logs it).
 * If it exits or does not listen in time, it is killed and the error carries its output.
 */
export async function startFanhookProcess(options: FanhookProcessOptions): Promise<FanhookProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      WECHAT_TOKEN: TEST_TOKEN,
      PORT: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  let stdout = '';
  let all = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    all += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (all += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      alive.delete(child);
      resolve({ code, signal });
    }),
  );
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
    }
    return exited;
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const port = await new Promise<number>((resolve, reject) => {
    const fail = (why: string) => {
      clearInterval(poll);
      clearTimeout(timer);
      void kill('SIGKILL').then(() => reject(new Error(`fanhook process ${why}; its output:\n${all}`)));
    };
    const poll = setInterval(() => {
      const found = listeningPort(stdout);
      if (found !== undefined) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(found);
      } else if (child.exitCode !== null || child.signalCode !== null) {
        fail(`exited (${child.exitCode ?? child.signalCode}) before listening`);
      }
    }, 25);
    const timer = setTimeout(() => fail(`did not listen within ${readyTimeoutMs} ms`), readyTimeoutMs);
  });

  const { url, callbackUrl, fanOf } = callbackEndpoint(port);
  return {
    child,
    url,
    callbackUrl,
    exited,
    output: () => all,
    fan: (openId) => fanOf(openId),
    kill,
  };
}

/** Runs `wait`; if it fails, the error also shows the last output of each process (a timeout is otherwise a riddle). */
export async function explainedBy<T>(processes: readonly FanhookProcess[], wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const logs = processes.map((p) => {
      const state =
        p.child.exitCode !== null || p.child.signalCode !== null ? `exited ${p.child.exitCode ?? p.child.signalCode}` : 'running';
      return `--- fanhook pid ${p.child.pid} (${state}), last output:\n${p.output().slice(-6_000)}`;
    });
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs.join('\n')}`, { cause: error });
  }
}

/** Texts of the customer-service messages the fake delivered to `openId`. */
export function customTexts(fake: FakeWechatApi, openId: string): string[] {
  return fake.customMessagesFor(openId).map((m) => String((m as { text?: { content?: string } }).text?.content ?? ''));
}

/** What the process answered `openId`: the passive reply, or the customer-service messages after a late answer. */
export async function askProcess(fake: FakeWechatApi, target: FanhookProcess, openId: string, text: string): Promise<string> {
  const before = fake.customMessagesFor(openId).length;
  const { reply } = await target.fan(openId).sendText(text);
  const passive = String(reply?.['Content'] ?? '');
  if (passive) {
    return passive;
  }
  const later = await explainedBy(
    [target],
    waitFor(
      () => customTexts(fake, openId).slice(before),
      (texts) => texts.length > 0,
      30_000,
    ),
  );
  return later.join('\n');
}

/**
 * The environment of a process in a broadcast crash test: both roles, mass batches of
 * `batchSize`, and a short broadcast lock, so another process may take a dead one's job over
 * within seconds; debug logs, so a wait that times out prints what the processes were doing.
 */
export function broadcastCrashEnv(props: {
  dbUri: string;
  fake: FakeWechatApi;
  apiBase: string;
  admin: string;
  batchSize: number;
  dataDir: string;
}): Record<string, string> {
  return {
    MONGODB_URI: props.dbUri,
    WECHAT_APPID: props.fake.appId,
    WECHAT_APPSECRET: props.fake.appSecret,
    WECHAT_API_BASE: props.apiBase,
    ADMIN_OPENIDS: props.admin,
    FANHOOK_ROLE: 'all',
    FANHOOK_MASS_BATCH_SIZE: String(props.batchSize),
    FANHOOK_BROADCAST_LOCK_MS: '2000',
    FANHOOK_DATA_DIR: props.dataDir,
    LOG_LEVEL: 'debug',
  };
}

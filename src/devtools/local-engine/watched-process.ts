/**
 * A child server process that cannot outlive us: it runs under a tiny `sh` watchdog holding a
 * pipe from this process, so when we end for any reason (exit, crash, SIGKILL) the pipe closes
 * and the server gets its stop signal — an `exit` hook alone would miss signals. The watchdog
 * leads its own process group so stop() and kill() reach the server and the watchdog together.
 * Everything is unref'd: a forgotten stop() never keeps the process alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

const OUTPUT_TAIL_CHARS = 4_000;
const STOP_GRACE_MS = 10_000;

export interface WatchedProcessOptions {
  /** Signal that asks the server to stop cleanly (PostgreSQL: SIGINT, its "fast" shutdown). */
  readonly stopSignal?: 'TERM' | 'INT';
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this user (PostgreSQL refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
}

export interface WatchedProcess {
  readonly child: ChildProcess;
  readonly exited: boolean;
  readonly exitCode: number | null;
  /** The last few thousand characters the server printed, for error messages. */
  tail(): string;
  /** Asks the server to stop, waits for it (SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** SIGKILL now, as a crash would; resolves when it is gone. */
  kill(): Promise<void>;
  /** Called once when the server exits without stop() or kill(). */
  onUnexpectedExit: ((code: number | null) => void) | undefined;
}

export function spawnWatched(command: readonly string[], options: WatchedProcessOptions = {}): WatchedProcess {
  const stopSignal = options.stopSignal ?? 'TERM';
  // The watchdog ends with the server (so an exit is seen) or stops it when our pipe closes.
  const script = [
    'exec 3<&0',
    '"$@" <&- 3<&- & server=$!',
    `trap 'kill -${stopSignal} "$server" 2>/dev/null' TERM INT`,
    // A background job's stdin is /dev/null in sh, so our pipe reaches it as fd 3.
    `(cat <&3 >/dev/null; kill -${stopSignal} "$server" 2>/dev/null) &`,
    'code=0',
    'while kill -0 "$server" 2>/dev/null; do wait "$server"; code=$?; done',
    'exit "$code"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'sh', ...command], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let state: { exited: boolean; exitCode: number | null; ending: boolean } = { exited: false, exitCode: null, ending: false };
  let markExited: (code: number | null) => void = () => undefined;
  const exited = new Promise<void>((resolve) => {
    markExited = (code) => {
      if (state.exited) {
        return;
      }
      state = { ...state, exited: true, exitCode: code };
      if (!state.ending) {
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
    get exited() {
      return state.exited;
    },
    get exitCode() {
      return state.exitCode;
    },
    onUnexpectedExit: undefined,
    tail: () => output.trim(),
    stop: async () => {
      state.ending = true;
      if (state.exited) {
        return;
      }
      // The watchdog's trap forwards this as the server's own stop signal.
      signalGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          signalGroup('SIGKILL');
          resolve();
        }, STOP_GRACE_MS);
      });
      await Promise.race([exited, forced]);
      clearTimeout(timer);
      await exited;
    },
    kill: async () => {
      state.ending = true;
      signalGroup('SIGKILL');
      await exited;
    },
  };
  return watched;
}

/**
 * Child processes of the benchmark: TypeScript entry points run through tsx, optionally
 * pinned to one CPU with `taskset` so the server and the load generator do not share a core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/** CPU numbers for the server and the load generator (the same one on a 1-core machine). */
export const CPUS = { server: 0, load: Math.min(1, os.cpus().length - 1), pinned: hasTaskset && os.cpus().length > 1 };

/** A running child with an IPC channel. */
export interface Child {
  process: ChildProcess;
  /** Resolves with the first IPC message the child sends. */
  firstMessage<T>(): Promise<T>;
  kill(): Promise<void>;
}

/** Starts `bench/<file>` under tsx with IPC, on `cpu` when taskset is available, in `cwd` if given. */
export function startChild(file: string, args: string[], cpu?: number, cwd?: string): Child {
  // BENCH_CPU_PROF_DIR: each child writes a V8 CPU profile there when it exits (Chrome DevTools opens it).
  const profile = process.env['BENCH_CPU_PROF_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF_DIR']}`] : [];
  // --expose-gc: the soak asks fanhook for its heap after a full collection (it only adds `gc()`).
  const node = [process.execPath, ...profile, '--expose-gc', '--import', 'tsx', path.join(here, file), ...args];
  const command = CPUS.pinned && cpu !== undefined ? ['taskset', '-c', String(cpu), ...node] : node;
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...(cwd ? { cwd } : {}) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    firstMessage<T>() {
      // Called once per request (the soak reads the server's memory each minute): the listener
      // that did not fire is removed, or a long run piles them up on the child.
      return new Promise<T>((resolve, reject) => {
        const onMessage = (message: unknown): void => {
          child.off('exit', onExit);
          resolve(message as T);
        };
        const onExit = (code: number | null): void => {
          child.off('message', onMessage);
          reject(new Error(`${file} exited with code ${code} before answering`));
        };
        child.once('message', onMessage);
        child.once('exit', onExit);
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Starts a server child and waits for the port it reports. */
export async function startServer(file: string, args: string[], cwd?: string): Promise<{ child: Child; url: string }> {
  const child = startChild(file, args, CPUS.server, cwd);
  const { port } = await child.firstMessage<{ port: number }>();
  return { child, url: `http://127.0.0.1:${port}` };
}

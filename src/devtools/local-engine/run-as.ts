/**
 * PostgreSQL refuses to run as root, and a root developer or CI is common on these machines:
 * then the engine runs as the `postgres` system user (Debian's package creates it), and the
 * directories it needs must be reachable by that user.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors.js';
import type { Logger } from '../../lib/logger.js';

export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Undefined when we are not root (the engine runs as us). */
export async function serverUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new AppError('running as root, the local engine needs a `postgres` user (install postgresql-15, which creates it)', {
      code: 'local_database_unavailable',
    });
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Adds the "search" bit for others on every ancestor of `target` that lacks it (root's home is
 * usually 0700), so the server user can reach the cached binaries and the data directory. Only
 * traversal is granted: nobody can list those directories.
 */
export async function makeReachable(target: string, logger: Logger): Promise<void> {
  let dir = path.resolve(target);
  const opened: string[] = [];
  for (;;) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, mode | 0o001);
      opened.push(dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      break;
    }
    dir = parent;
  }
  if (opened.length > 0) {
    logger.info({ directories: opened }, 'local engine: let the postgres user traverse these directories');
  }
}

/** Gives a directory tree to the server user (it insists on owning its data directory). */
export async function giveTo(dir: string, user: RunAs): Promise<void> {
  await chown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await giveTo(full, user);
    } else {
      await chown(full, user.uid, user.gid);
    }
  }
}

/** Runs a command (as `user` when given) and resolves with its stdout; rejects with its output. */
export function run(
  command: string,
  args: readonly string[],
  options: { user?: RunAs; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 8 * 1024 * 1024,
        env: options.env ?? process.env,
        ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new AppError(
              `${path.basename(command)} ${args.join(' ')} failed: ${(stderr || stdout || error.message).trim().slice(-2_000)}`,
              {
                code: 'local_database_unavailable',
                cause: error,
              },
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

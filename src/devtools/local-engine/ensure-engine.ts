/**
 * Finds the cached local engine (PostgreSQL 15 + DocumentDB + FerretDB 2.5) or builds it with
 * scripts/local-engine/build.sh, whose progress lines go straight to our stderr: the first
 * build takes minutes and a silent wait would look like a hang.
 */
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../errors.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BUILD_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'local-engine', 'build.sh');

/** `FANHOOK_CACHE_DIR` when set (read by the dev tools that call this), else ~/.cache/fanhook. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FANHOOK_CACHE_DIR || path.join(os.homedir(), '.cache', 'fanhook');
}

/** The engine's files as build.sh lays them out. */
export interface EngineFiles {
  readonly dir: string;
  readonly pgBin: string;
  readonly pgLib: string;
  readonly ferretdb: string;
}

export function engineFiles(dir: string): EngineFiles {
  const pgRoot = path.join(dir, 'pg', 'usr', 'lib', 'postgresql', '15');
  return { dir, pgBin: path.join(pgRoot, 'bin'), pgLib: path.join(pgRoot, 'lib'), ferretdb: path.join(dir, 'bin', 'ferretdb') };
}

/** Builds the engine unless it is cached; resolves with its files. */
export async function ensureEngine(cacheDir: string = defaultCacheDir()): Promise<EngineFiles> {
  await access(BUILD_SCRIPT).catch(() => {
    throw new AppError(`the local engine's build script is missing: ${BUILD_SCRIPT}`, { code: 'local_database_unavailable' });
  });
  const dir = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], {
      env: { ...process.env, FANHOOK_CACHE_DIR: cacheDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.once('error', reject);
    // 'close', not 'exit': only then has all of its stdout arrived.
    child.once('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last) {
        resolve(last);
        return;
      }
      // build.sh has already printed its one-line reason (a missing package, a failed step).
      reject(
        new AppError(`the local engine could not be built (exit ${code}); see the line above`, { code: 'local_database_unavailable' }),
      );
    });
  });
  return engineFiles(dir);
}

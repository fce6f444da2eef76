/**
 * An older commit's fanhook, exported next to this checkout (`git archive`, nothing in the
 * working tree or the repository changes) so one bench run measures before and after a change
 * under the same machine load. It shares this checkout's node_modules.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exec = promisify(execFile);

export interface ExportedTree {
  /** The tree's root (templates/ live there: the child runs with it as cwd). */
  root: string;
  src: string;
  /** `<short sha> <subject>` of the exported commit. */
  label: string;
  remove(): Promise<void>;
}

export async function exportTree(ref: string): Promise<ExportedTree> {
  const { stdout } = await exec('git', ['-C', repo, 'log', '-1', '--format=%h', ref]);
  const root = await mkdtemp(path.join(os.tmpdir(), 'fanhook-compare-'));
  await exec('bash', ['-c', 'git -C "$1" archive "$2" src templates package.json | tar -x -C "$3"', 'export', repo, ref, root]);
  await symlink(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
  return {
    root,
    src: path.join(root, 'src'),
    label: stdout.trim(),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

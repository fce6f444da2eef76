/**
 * The inbound spool: messages that arrived while the database was unreachable (or that wait
 * for another attempt), kept in append-only JSON-lines files on local disk and replayed once
 * the database is back. WeChat retries an unanswered callback only ~3 times within ~15 s, so
 * relying on its retries loses every message of a longer outage; with the spool the callback
 * is answered `success` at once and nothing is lost, even across a restart.
 *
 * Files are owned: each process has an owner id a restart cannot reuse (pid, start time and
 * random bytes; in a container node is PID 1 after every restart) and keeps an `owner-<id>.lease`
 * file fresh while it lives. Another process takes a file over only when its owner's lease is
 * gone (a clean stop) or stale (a crash), never because a PID is unused.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { parseJsonLines } from '../lib/json-lines.js';
import type { CallbackSpool, ReplayEntry, SpoolEntry } from '../wechat/callback-ports.js';

export interface InboundSpoolOptions {
  /** How long an owner's lease lasts without a heartbeat (default 30 s; heartbeats every third of it). */
  leaseMs?: number;
  /** Wall-clock milliseconds (tests look at a lease from the future). */
  now?: () => number;
}

/** The spool directory of one database under a data dir (instances and tools agree on it). */
export function spoolDirOf(dataDir: string, databaseName: string): string {
  return path.join(dataDir, 'spool', databaseName);
}

/** A unique owner id: pid and start time for humans, random bytes so a restart never repeats it. */
function newOwnerId(): string {
  return `${process.pid}.${Date.now().toString(36)}.${randomBytes(4).toString('hex')}`;
}

/** `inbound-<created>-<owner>.jsonl`, and `….replaying-<owner>` while an owner replays it. */
const SPOOL_FILE = /^inbound-\d+-([\w.]+?)\.jsonl(?:\.replaying-([\w.]+))?$/;
const LEASE_FILE = /^owner-([\w.]+)\.lease$/;

/** Append-only file spool under `dir`, one file per owner. */
export class InboundSpool implements CallbackSpool {
  readonly ownerId = newOwnerId();
  private handle: FileHandle | undefined;
  private writes: Promise<void> = Promise.resolve();
  private replaying = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The file appends go to; a new one after each replay round (see replayAll). */
  private file: string;
  private fileStamp = 0;
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    private readonly dir: string,
    options: InboundSpoolOptions = {},
  ) {
    this.file = this.nextFile();
    this.leaseMs = options.leaseMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Appends `entry` durably (fdatasync) before resolving: the callback is answered only then. */
  append(entry: SpoolEntry): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    // Serialised: concurrent appends never interleave inside a line.
    return this.serialised(async () => {
      if (!this.handle) {
        await this.holdLease();
        this.handle = await open(this.file, 'a');
      }
      await this.handle.appendFile(line, 'utf8');
      await this.handle.datasync();
    });
  }

  /**
   * Runs `task` after every file operation queued before it. A failed one fails only its own
   * caller: the appends after it still run (a disk error once must not refuse every message
   * from then on).
   */
  private serialised(task: () => Promise<void>): Promise<void> {
    const run = this.writes.catch(() => undefined).then(task);
    this.writes = run;
    return run;
  }

  /**
   * Replays every spool file this process may take (its own, and those of owners whose lease
   * is gone or stale), oldest message first. Entries `replay` declines are written back for the
   * next round.
   * @returns how many entries were replayed.
   */
  async replayAll(replay: ReplayEntry): Promise<number> {
    if (this.replaying) {
      return 0;
    }
    this.replaying = true;
    try {
      // In the append queue, so no append meets the handle while it closes. What is spooled
      // from now on goes to a file of a later name: were the file being replayed to keep its
      // name, a replay cut short (a disk error) would leave it claimed under the very name the
      // next round renames the new file onto, losing the rest of it.
      await this.serialised(async () => {
        await this.handle?.close();
        this.handle = undefined;
        this.file = this.nextFile();
      });
      let done = 0;
      for (const name of await this.takeableFiles()) {
        done += await this.replayFile(name, replay);
      }
      return done;
    } finally {
      this.replaying = false;
    }
  }

  /** Stops the heartbeat and gives up the lease, so another process may take what is left. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.writes.catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
    await rm(this.leaseFile(this.ownerId), { force: true });
  }

  /** `inbound-<created>-<owner>.jsonl`, each name of this owner later than the one before. */
  private nextFile(): string {
    this.fileStamp = Math.max(Date.now(), this.fileStamp + 1);
    return path.join(this.dir, `inbound-${this.fileStamp}-${this.ownerId}.jsonl`);
  }

  private leaseFile(ownerId: string): string {
    return path.join(this.dir, `owner-${ownerId}.lease`);
  }

  /** Creates this owner's lease file and keeps it fresh while the process lives. */
  private async holdLease(): Promise<void> {
    if (this.heartbeat) {
      return;
    }
    await mkdir(this.dir, { recursive: true });
    const lease = this.leaseFile(this.ownerId);
    await writeFile(lease, `${process.pid}\n`);
    this.heartbeat = setInterval(
      () => {
        const at = new Date();
        utimes(lease, at, at).catch(() => writeFile(lease, `${process.pid}\n`).catch(() => undefined));
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    this.heartbeat.unref();
  }

  /** True when `ownerId` is this process, or its lease was kept fresh within the lease time. */
  private async ownerIsAlive(ownerId: string, names: Set<string>): Promise<boolean> {
    if (ownerId === this.ownerId) {
      return true;
    }
    if (!names.has(`owner-${ownerId}.lease`)) {
      return false;
    }
    const lease = await stat(this.leaseFile(ownerId)).catch(() => undefined);
    return lease !== undefined && this.now() - lease.mtimeMs <= this.leaseMs;
  }

  /** Spool files of this owner and of dead owners, oldest first; dead owners' leases are removed. */
  private async takeableFiles(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const present = new Set(names);
    const takeable: string[] = [];
    for (const name of names) {
      const match = SPOOL_FILE.exec(name);
      if (!match) {
        continue;
      }
      const owner = match[2] ?? match[1]!;
      if (owner !== this.ownerId && (await this.ownerIsAlive(owner, present))) {
        continue;
      }
      takeable.push(name);
    }
    for (const name of names) {
      const owner = LEASE_FILE.exec(name)?.[1];
      if (owner !== undefined && owner !== this.ownerId && !(await this.ownerIsAlive(owner, present))) {
        await rm(path.join(this.dir, name), { force: true });
      }
    }
    // File names start with the creation time: oldest messages first.
    return takeable.sort((a, b) => Number(/^inbound-(\d+)/.exec(a)?.[1]) - Number(/^inbound-(\d+)/.exec(b)?.[1]));
  }

  private async replayFile(name: string, replay: ReplayEntry): Promise<number> {
    // Claim the file for this owner by renaming it into this owner's name: another instance
    // sees a live owner and leaves it alone; if this process dies, its lease goes stale.
    await this.holdLease();
    const claimed = path.join(this.dir, `${name.replace(/\.replaying-[\w.]+$/, '')}.replaying-${this.ownerId}`);
    if (name !== path.basename(claimed)) {
      try {
        await rename(path.join(this.dir, name), claimed);
      } catch {
        return 0; // another instance took it first
      }
    }
    const entries = parseJsonLines<SpoolEntry>(await readFile(claimed, 'utf8'));
    let done = 0;
    for (const entry of entries) {
      if (await replay(entry).catch(() => false)) {
        done += 1;
      } else {
        // Awaited: an entry that could not be written back keeps the claimed file (this throws).
        await this.append(entry);
      }
    }
    await rm(claimed, { force: true });
    return done;
  }
}

/**
 * The inbound spool: messages that arrived while the database was unreachable, kept in an
 * append-only JSON-lines file on local disk and replayed once the database is back. WeChat
 * retries an unanswered callback only ~3 times within ~15 s, so relying on its retries loses
 * every message of a longer outage; with the spool the callback is answered `success` at once
 * and nothing is lost, even across a restart (files left by a dead process are replayed too).
 */
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { InboundMessage } from '../wechat/inbound.js';

/** One spooled message. */
export interface SpoolEntry {
  message: InboundMessage;
  /** When fanhook received it (ms since the epoch). */
  receivedAt: number;
}

/** Replays one entry; resolves false to keep it for the next round (the database is still away). */
export type ReplayEntry = (entry: SpoolEntry) => Promise<boolean>;

/** Append-only file spool under `dir`, one file per process. */
export class InboundSpool {
  private handle: FileHandle | undefined;
  private writes: Promise<void> = Promise.resolve();
  private appended = 0;
  private replaying = false;
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = path.join(dir, `inbound-${process.pid}-${Date.now()}.jsonl`);
  }

  /** Appends `entry` durably (fdatasync) before resolving: the callback is answered only then. */
  append(entry: SpoolEntry): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    // Serialised: concurrent appends never interleave inside a line.
    this.writes = this.writes.then(async () => {
      if (!this.handle) {
        await mkdir(this.dir, { recursive: true });
        this.handle = await open(this.file, 'a');
      }
      await this.handle.appendFile(line, 'utf8');
      await this.handle.datasync();
      this.appended += 1;
    });
    return this.writes;
  }

  /** True when this process spooled something since the last replay (files of dead processes aside). */
  get dirty(): boolean {
    return this.appended > 0;
  }

  /**
   * Replays every spool file in the directory (this process's and those left by dead ones),
   * oldest message first. Entries `replay` declines are written back for the next round.
   * @returns how many entries were replayed.
   */
  async replayAll(replay: ReplayEntry): Promise<number> {
    if (this.replaying) {
      return 0;
    }
    this.replaying = true;
    try {
      await this.writes;
      await this.handle?.close();
      this.handle = undefined;
      this.appended = 0;
      let done = 0;
      for (const name of await this.spoolFiles()) {
        done += await this.replayFile(path.join(this.dir, name), replay);
      }
      return done;
    } finally {
      this.replaying = false;
    }
  }

  private async spoolFiles(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    // A file whose replay a dead process left half done goes back into the pool.
    for (const name of names) {
      const owner = /\.jsonl\.replaying-(\d+)$/.exec(name)?.[1];
      if (owner !== undefined && !isAlive(Number(owner))) {
        await rename(path.join(this.dir, name), path.join(this.dir, name.replace(/\.replaying-\d+$/, ''))).catch(() => undefined);
      }
    }
    return (await readdir(this.dir)).filter((name) => name.startsWith('inbound-') && name.endsWith('.jsonl')).sort();
  }

  private async replayFile(file: string, replay: ReplayEntry): Promise<number> {
    // Claim the file by renaming it: another instance sharing the directory cannot take it too.
    const claimed = `${file}.replaying-${process.pid}`;
    try {
      await rename(file, claimed);
    } catch {
      return 0;
    }
    const entries = (await readFile(claimed, 'utf8'))
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as SpoolEntry];
        } catch {
          return []; // a line torn by a crash mid-write; its message was never answered
        }
      });
    let done = 0;
    for (const entry of entries) {
      if (await replay(entry).catch(() => false)) {
        done += 1;
      } else {
        await this.append(entry);
      }
    }
    await rm(claimed, { force: true });
    return done;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

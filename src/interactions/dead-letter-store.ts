/**
 * Where given-up messages go: the `dead_letters` collection, or — when the database cannot
 * take them (unreachable, or it refuses the letter too) — a `dead-<owner>.jsonl` file in the
 * spool directory. Each letter is logged once. The operator lists and takes them back for
 * replay (scripts/dead-letters.ts).
 */
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Types, type Connection, type Model } from 'mongoose';
import { parseJsonLines } from '../lib/json-lines.js';
import type { Logger } from '../lib/logger.js';
import type { DeadLetter, DeadLetterSink } from '../wechat/callback-ports.js';
import { dedupeKeyOf } from '../wechat/inbound.js';
import { getDeadLetterModel, type StoredDeadLetter } from './dead-letter-model.js';
import { fromStorableKeys, toStorableKeys } from './storable-keys.js';

export interface DeadLetterStoreOptions {
  /** The spool directory: the fallback file goes there. */
  dir: string;
  /** Names this process's fallback file (the spool's owner id). */
  ownerId: string;
  logger: Logger;
}

/** A dead letter as the operator sees it. */
export interface ListedDeadLetter extends DeadLetter {
  id: string;
  dedupeKey: string;
  deadAt: Date;
  /** `database` or the fallback file's name. */
  where: string;
}

interface FileLetter extends DeadLetter {
  id: string;
  deadAt: number;
}

const DEAD_FILE = /^dead-[\w.-]+\.jsonl$/;

export class DeadLetterStore implements DeadLetterSink {
  private readonly model: Model<StoredDeadLetter>;

  constructor(
    connection: Connection,
    private readonly options: DeadLetterStoreOptions,
  ) {
    this.model = getDeadLetterModel(connection);
  }

  async add(letter: DeadLetter): Promise<void> {
    const id = new Types.ObjectId();
    const dedupeKey = dedupeKeyOf(letter.message);
    const fields = {
      deadLetter: id.toHexString(),
      dedupeKey,
      openId: letter.message.fromUserName,
      reason: letter.reason,
      attempts: letter.attempts,
    };
    try {
      await this.model.collection.insertOne({
        _id: id,
        dedupeKey,
        openId: letter.message.fromUserName,
        reason: letter.reason,
        error: letter.error.slice(0, 2000),
        attempts: letter.attempts,
        receivedAt: new Date(letter.receivedAt),
        deadAt: new Date(),
        message: { ...letter.message, raw: toStorableKeys(letter.message.raw) },
      });
      this.options.logger.error({ ...fields, error: letter.error }, 'message given up on: stored in dead_letters');
    } catch (error) {
      const file = path.join(this.options.dir, `dead-${this.options.ownerId}.jsonl`);
      await mkdir(this.options.dir, { recursive: true });
      const line: FileLetter = { ...letter, id: id.toHexString(), deadAt: Date.now() };
      await appendFile(file, `${JSON.stringify(line)}\n`, 'utf8');
      this.options.logger.error(
        { ...fields, error: letter.error, file, databaseError: (error as Error).message },
        'message given up on: the database did not take the dead letter, written to a file',
      );
    }
  }

  /** Every dead letter, in the database and in fallback files, newest first. */
  async list(): Promise<ListedDeadLetter[]> {
    const all = [...(await this.listStored()), ...(await this.listFiles())];
    return all.sort((a, b) => b.deadAt.getTime() - a.deadAt.getTime());
  }

  /** The dead letters in the collection. */
  async listStored(): Promise<ListedDeadLetter[]> {
    const stored = await this.model.find({}).sort({ deadAt: -1 }).lean();
    return stored.map((doc) => ({
      id: doc._id.toHexString(),
      dedupeKey: doc.dedupeKey,
      deadAt: doc.deadAt,
      where: 'database',
      reason: doc.reason,
      error: doc.error,
      attempts: doc.attempts,
      receivedAt: doc.receivedAt.getTime(),
      message: { ...doc.message, raw: fromStorableKeys(doc.message.raw) },
    }));
  }

  /** The dead letters written to fallback files (readable while the database is away). */
  async listFiles(): Promise<ListedDeadLetter[]> {
    const letters: ListedDeadLetter[] = [];
    for (const name of await this.files()) {
      for (const letter of await readLetters(path.join(this.options.dir, name))) {
        letters.push({ ...letter, dedupeKey: dedupeKeyOf(letter.message), deadAt: new Date(letter.deadAt), where: name });
      }
    }
    return letters;
  }

  /** Removes the dead letter `id` and returns it, or null when there is none by that id. */
  async take(id: string): Promise<ListedDeadLetter | null> {
    const inFile = (await this.listFiles()).find((l) => l.id === id);
    if (inFile) {
      const file = path.join(this.options.dir, inFile.where);
      const rest = (await readLetters(file)).filter((l) => l.id !== id);
      // Rewritten beside and renamed over: a crash leaves the old file or the new, never half.
      await writeFile(`${file}.tmp`, rest.map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8');
      await rename(`${file}.tmp`, file);
      return inFile;
    }
    if (!Types.ObjectId.isValid(id)) {
      return null;
    }
    const stored = (await this.listStored()).find((l) => l.id === id);
    if (stored) {
      await this.model.deleteOne({ _id: new Types.ObjectId(id) });
    }
    return stored ?? null;
  }

  private async files(): Promise<string[]> {
    try {
      return (await readdir(this.options.dir)).filter((name) => DEAD_FILE.test(name));
    } catch {
      return [];
    }
  }
}

async function readLetters(file: string): Promise<FileLetter[]> {
  return parseJsonLines<FileLetter>(await readFile(file, 'utf8'));
}

/**
 * The operator's side of the dead letters (scripts/dead-letters.ts): list them, and send them
 * back for another try. A replayed letter goes into the spool directory as a file of its own,
 * with its interaction's attempts given back; the running instance's spool replayer picks it
 * up within seconds (WebhookOptions.spool), and if it fails again it comes back here.
 */
import type { Connection } from 'mongoose';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { dedupeKeyOf } from '../wechat/inbound.js';
import { DeadLetterStore, type ListedDeadLetter } from './dead-letter-store.js';
import { InboundSpool } from './inbound-spool.js';
import { InteractionStore } from './interaction-store.js';

/** The store of dead letters for `connection`, whose fallback files live in `spoolDir`. */
function storeOf(connection: Connection, spoolDir: string): DeadLetterStore {
  return new DeadLetterStore(connection, { dir: spoolDir, ownerId: 'operator', logger: silentLogger });
}

/** Every dead letter, newest first. */
export function listDeadLetters(connection: Connection, spoolDir: string): Promise<ListedDeadLetter[]> {
  return storeOf(connection, spoolDir).list();
}

/**
 * Queues the dead letters `ids` (every one when `ids` is 'all') for replay.
 * @returns the letters queued, and the ids that named no dead letter.
 */
export async function replayDeadLetters(
  connection: Connection,
  spoolDir: string,
  ids: readonly string[] | 'all',
): Promise<{ queued: ListedDeadLetter[]; unknown: string[] }> {
  const store = storeOf(connection, spoolDir);
  const wanted = ids === 'all' ? (await store.list()).map((letter) => letter.id) : ids;
  const interactions = new InteractionStore(connection, { clock: systemClock });
  const spool = new InboundSpool(spoolDir);
  const queued: ListedDeadLetter[] = [];
  const unknown: string[] = [];
  try {
    const letters = new Map((await store.list()).map((letter) => [letter.id, letter]));
    for (const id of wanted) {
      const letter = letters.get(id);
      if (!letter) {
        unknown.push(id);
        continue;
      }
      await interactions.releaseForReplay(dedupeKeyOf(letter.message));
      // Spooled before it is removed: a crash in between replays it twice, which the
      // interaction's dedupe absorbs, rather than losing it.
      await spool.append({ message: letter.message, receivedAt: letter.receivedAt });
      await store.take(id);
      queued.push(letter);
    }
  } finally {
    // Gives up this tool's lease: the running instance takes the file over at once.
    await spool.close();
  }
  return { queued, unknown };
}

import type { Model } from 'mongoose';

/**
 * How many updates fanhook puts in one `update` command (a bulkWrite of updateOne/updateMany).
 * Why so few: FerretDB 1.24 keeps the query of every update in a command open until the whole
 * command ends (handler/msg_update.go closes each iterator with a defer inside the loop), and
 * each open query holds one of its 100 SQLite connections; a command with about 100 updates or
 * more then waits for a connection forever and the server stops answering anyone. Measured: a
 * 400-update quota reservation hung FerretDB with every goroutine parked in database/sql.conn.
 * On MongoDB small commands cost a few extra round trips and nothing else.
 */
export const UPDATES_PER_COMMAND = 50;

/**
 * How many `_id`s fanhook reads in one `_id: { $in: [...] }` query: one index lookup on MongoDB
 * and on fanhook's FerretDB build (which narrows up to 10,000 ids; db/local-database.ts), and a
 * batch small enough to hold in memory.
 */
export const IDS_PER_LOOKUP = 1_000;

/** `items` cut into consecutive chunks of at most `size`. */
export function chunksOf<T>(items: readonly T[], size = UPDATES_PER_COMMAND): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/**
 * Runs `ops` on `model` in commands of at most UPDATES_PER_COMMAND, one after another (so an
 * ordered bulk keeps its order across chunks); returns how many documents were modified.
 */
export async function bulkWriteInChunks<T>(
  model: Model<T>,
  ops: Parameters<Model<T>['bulkWrite']>[0],
  options: { ordered: boolean },
): Promise<number> {
  let modified = 0;
  for (const chunk of chunksOf(ops)) {
    modified += (await model.bulkWrite(chunk, options)).modifiedCount;
  }
  return modified;
}

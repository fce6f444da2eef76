/**
 * The batch writes behind InteractionStore's group commits: many claims in one unordered
 * insert, many completions in one unordered bulk update. Unordered, so one refused document
 * (a duplicate delivery) does not hold back the others; per-document errors come back by index.
 */
import type { Collection, Document } from 'mongodb';
import { insertOutcomes, writeErrorsOf, type InsertOutcome } from '../db/write-errors.js';
import type { Types } from 'mongoose';

/** A completion: the fields to set on the interaction `id` (its lease is removed). */
export interface InteractionUpdate {
  id: Types.ObjectId;
  set: Record<string, unknown>;
}

/** Inserts `docs`; each result says whether the unique dedupeKey refused it as a duplicate. */
export function insertBatch<T extends Document>(collection: Collection<Document>, docs: T[]): Promise<InsertOutcome[]> {
  return insertOutcomes(docs.length, 'interaction', () => collection.insertMany(docs, { ordered: false }));
}

/** Applies the completions in one round trip. */
export async function updateBatch(collection: Collection<Document>, items: InteractionUpdate[]): Promise<Array<void | Error>> {
  const results: Array<void | Error> = items.map(() => undefined);
  const ops = items.map(({ id, set }) => ({ updateOne: { filter: { _id: id }, update: { $set: set, $unset: { leaseUntil: 1 } } } }));
  try {
    await collection.bulkWrite(ops, { ordered: false });
  } catch (error) {
    const writeErrors = writeErrorsOf(error);
    if (!writeErrors) {
      throw error;
    }
    for (const e of writeErrors) {
      results[e.index] = new Error(`interaction update failed: ${e.errmsg ?? e.code}`);
    }
  }
  return results;
}

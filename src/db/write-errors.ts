/** Per-document errors of an unordered bulk write or insertMany. */
export interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

/**
 * The per-document errors of a bulk write error, or undefined for any other error. The driver
 * also wraps a network error in a bulk write error with an empty list: that is a failure of
 * the whole batch, not a success of every document.
 */
export function writeErrorsOf(error: unknown): WriteErrorLike[] | undefined {
  const found = (error as { writeErrors?: WriteErrorLike | WriteErrorLike[] } | null)?.writeErrors;
  const list = found === undefined ? [] : Array.isArray(found) ? found : [found];
  return list.length > 0 ? list : undefined;
}

export type InsertOutcome = 'inserted' | 'duplicate' | Error;

/**
 * Runs an unordered insert of `count` documents and says what became of each, by index:
 * inserted, refused by a unique index ('duplicate'), or the error that refused it. Any other
 * failure (network, server) fails the whole batch.
 */
export async function insertOutcomes(count: number, what: string, insert: () => Promise<unknown>): Promise<InsertOutcome[]> {
  const results: InsertOutcome[] = Array.from({ length: count }, () => 'inserted');
  try {
    await insert();
  } catch (error) {
    const writeErrors = writeErrorsOf(error);
    if (!writeErrors) {
      throw error;
    }
    for (const e of writeErrors) {
      results[e.index] = e.code === 11000 ? 'duplicate' : new Error(`${what} insert failed: ${e.errmsg ?? e.code}`);
    }
  }
  return results;
}

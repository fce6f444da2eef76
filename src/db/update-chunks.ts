/**
 * How many `_id`s (or openids) fanhook reads in one `$in` query: one index lookup per batch, and
 * a batch small enough to hold in memory while a job streams through a large audience.
 */
export const IDS_PER_LOOKUP = 1_000;

/** `items` cut into consecutive chunks of at most `size`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

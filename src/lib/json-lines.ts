/**
 * JSON-lines files (one JSON document per line), as the spool and the dead-letter fallback
 * keep them. A line torn by a crash in the middle of a write is skipped: it was never
 * acknowledged, so nothing it held was promised to anyone.
 */

/** The documents of a JSON-lines text, skipping blank and torn lines. */
export function parseJsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as T];
      } catch {
        return [];
      }
    });
}

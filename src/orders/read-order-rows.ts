/**
 * PURE: the rows of an order upload — a JSON array, or NDJSON (one JSON object per line, the
 * shape a shop's export job streams). In NDJSON a line that is not JSON is one refused row
 * and the other lines still count; a JSON array that does not parse is refused as a whole,
 * since no row of it can be trusted.
 */
import { ValidationError } from '../errors.js';

/**
 * A row as sent (not checked yet), or a line that could not be read, at its 0-based index;
 * `line` is the 1-based line of the file or body where it starts, when it has lines.
 */
export type OrderRow = { index: number; line?: number } & ({ raw: unknown } | { unreadable: string });

/** A body with no usable rows: answered 400 with this message. */
export class OrderBodyError extends ValidationError {}

/** The rows of `text`. @throws OrderBodyError when the body is empty or a broken JSON array. */
export function readOrderRows(text: string): OrderRow[] {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body.length === 0) {
    throw new OrderBodyError('the body is empty: send a JSON array of orders or NDJSON (one order per line)');
  }
  if (body.startsWith('[')) {
    let rows: unknown;
    try {
      rows = JSON.parse(body);
    } catch (error) {
      throw new OrderBodyError(`the body is not a valid JSON array: ${(error as Error).message}`);
    }
    if (!Array.isArray(rows)) {
      throw new OrderBodyError('the body must be a JSON array of orders');
    }
    return rows.map((raw, index) => ({ index, raw }));
  }
  return body
    .split(/\r?\n/)
    .map((text, at) => ({ text, line: at + 1 }))
    .filter(({ text }) => text.trim().length > 0)
    .map(({ text, line }, index) => {
      try {
        return { index, line, raw: JSON.parse(text) as unknown };
      } catch {
        return { index, line, unreadable: 'not a JSON object (NDJSON: one order per line)' };
      }
    });
}

/**
 * PURE: the rows of an order upload — a JSON array, or NDJSON (one JSON object per line, the
 * shape a shop's export job streams). In NDJSON a line that is not JSON is one refused row
 * and the other lines still count; a JSON array that does not parse is refused as a whole,
 * since no row of it can be trusted.
 */
import { ValidationError } from '../errors.js';

/** A row as sent (not checked yet), or a line that could not be read, at its 0-based index. */
export type OrderRow = { index: number; raw: unknown } | { index: number; unreadable: string };

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
    .filter((line) => line.trim().length > 0)
    .map((line, index) => {
      try {
        return { index, raw: JSON.parse(line) as unknown };
      } catch {
        return { index, unreadable: 'not a JSON object (NDJSON: one order per line)' };
      }
    });
}

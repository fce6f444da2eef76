/**
 * JSON text in and out of the fake. WeChat's msg_id is above 2^53, which JSON.stringify
 * and JSON.parse would round; these helpers carry such ids as digits in both directions,
 * and give the recorded form of an answer.
 */
import type { Json } from './answers.js';

/** A JSON integer emitted verbatim, so ids above 2^53 reach the client unrounded. */
export class RawInteger {
  constructor(readonly digits: string) {}
}

const RAW_MARK = '\u0001rawint:';

/** JSON text with RawIntegers written as bare digits (JSON.stringify cannot emit a BigInt). */
export function toJsonText(body: Json): string {
  const text = JSON.stringify(body, (_key, value: unknown) => (value instanceof RawInteger ? RAW_MARK + value.digits : value));
  return text.replace(/"\\u0001rawint:(\d+)"/g, '$1');
}

/** The recorded form of an answer: RawIntegers become digit strings, bytes their size. */
export function toRecorded(body: Json | string | Buffer): unknown {
  if (typeof body === 'string') {
    return body;
  }
  if (Buffer.isBuffer(body)) {
    return { bytes: body.length };
  }
  return JSON.parse(JSON.stringify(body, (_key, value: unknown) => (value instanceof RawInteger ? value.digits : value)));
}

/** Parses a JSON body keeping integers of 16+ digits as strings (msg_id sent back by clients). */
export function parseJsonBody(text: string): unknown {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

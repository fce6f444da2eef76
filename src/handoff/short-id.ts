/**
 * Short ids staff can type on a phone: 4 characters from an alphabet without look-alikes
 * (no 0/O, 1/I/L), about 700 000 combinations; uniqueness is enforced by the index.
 */
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A random 4-character id such as `A7K2`. */
export function newShortId(): string {
  let id = '';
  for (let i = 0; i < 4; i += 1) {
    id += ALPHABET[randomInt(ALPHABET.length)];
  }
  return id;
}

/** What staff typed (`a7k2`, `#A7K2`) as a stored id, or null when it cannot be one. */
export function normalizeShortId(typed: string): string | null {
  const id = typed
    .trim()
    .replace(/^[#＃]/, '')
    .toUpperCase();
  return /^[A-Z0-9]{4}$/.test(id) ? id : null;
}

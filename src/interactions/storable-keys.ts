/**
 * Element names from a callback become keys of the stored payload. XML allows names MongoDB
 * reads as paths or operators (`a.b`; a leading `$` from a lenient parser), so every stored
 * name is escaped: `%` → `%25`, `.` → `%2E`, `$` → `%24`. The escape is reversible, and a name
 * without those characters (every name WeChat documents) is stored exactly as sent.
 */

const NEEDS_ESCAPE = /[%.$]/;
const ESCAPES: Record<string, string> = { '%': '%25', '.': '%2E', $: '%24' };

/** A stored key for the element name `name`. */
export function escapeKey(name: string): string {
  return NEEDS_ESCAPE.test(name) ? name.replace(/[%.$]/g, (c) => ESCAPES[c] ?? c) : name;
}

/** The element name of the stored key `key`. */
export function unescapeKey(key: string): string {
  return key.includes('%') ? key.replace(/%(25|2E|24)/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : key;
}

/** A deep copy of `value` whose object keys are mapped by `mapKey` (arrays and strings kept). */
function mapKeys(value: unknown, mapKey: (key: string) => string): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => mapKeys(item, mapKey));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  // A Map-free plain object without a prototype: a name such as `__proto__` stays a key.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, child] of Object.entries(value)) {
    out[mapKey(key)] = mapKeys(child, mapKey);
  }
  return out;
}

/** The parsed XML element map with every name escaped for storage. */
export function toStorableKeys<T>(map: T): T {
  return mapKeys(map, escapeKey) as T;
}

/** The element map as parsed, from its stored form. */
export function fromStorableKeys<T>(map: T): T {
  return mapKeys(map, unescapeKey) as T;
}

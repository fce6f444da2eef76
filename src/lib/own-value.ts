/**
 * Lookups by a name that may come from a fan (a menu key, a QR scene, an attribute name): only
 * the record's own entries count, so `__proto__`, `constructor` or `toString` find nothing
 * instead of an object built-in.
 */

/** `record[key]` when `key` is the record's own entry, else undefined. */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** True when `name` is a property every plain object inherits (a name no stored key may take). */
export function isObjectBuiltin(name: string): boolean {
  return Object.hasOwn(Object.prototype, name);
}

import { describe, expect, it } from 'vitest';
import { escapeKey, fromStorableKeys, toStorableKeys, unescapeKey } from '../../src/interactions/storable-keys.js';

describe('stored element names', () => {
  it.each([
    ['a.b', 'a%2Eb'],
    ['$where', '%24where'],
    ['100%', '100%25'],
    ['%2E', '%252E'],
    ['Content', 'Content'],
    ['__proto__', '__proto__'],
  ])('stores %s as %s and reads it back', (name, stored) => {
    expect(escapeKey(name)).toBe(stored);
    expect(unescapeKey(stored)).toBe(name);
  });

  it('escapes names at every depth, keeps values and lists, and never touches a prototype', () => {
    const raw = JSON.parse('{"Content":"a.b $x","x.y":{"$z":[{"k.k":"v"}]},"__proto__":{"polluted":"yes"}}') as Record<string, unknown>;
    const stored = toStorableKeys(raw);
    expect(Object.keys(stored)).toEqual(['Content', 'x%2Ey', '__proto__']);
    expect(JSON.stringify(stored)).toBe('{"Content":"a.b $x","x%2Ey":{"%24z":[{"k%2Ek":"v"}]},"__proto__":{"polluted":"yes"}}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(fromStorableKeys(stored))).toBe(JSON.stringify(raw));
  });
});

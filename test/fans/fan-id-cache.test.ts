import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { FanIdCache } from '../../src/fans/fan-id-cache.js';

describe('FanIdCache', () => {
  it('looks a new fan up once when many of their messages arrive together', async () => {
    const cache = new FanIdCache();
    const id = new Types.ObjectId();
    let loads = 0;
    const load = async (): Promise<Types.ObjectId> => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return id;
    };
    const ids = await Promise.all(Array.from({ length: 50 }, () => cache.getOrLoad('oBurst', load)));
    expect(loads).toBe(1);
    expect(ids.every((each) => each.equals(id))).toBe(true);
  });

  it('tries again after a failed lookup instead of repeating the failure', async () => {
    const cache = new FanIdCache();
    await expect(cache.getOrLoad('oFlaky', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    const id = new Types.ObjectId();
    expect((await cache.getOrLoad('oFlaky', async () => id)).equals(id)).toBe(true);
  });

  it('forgets the least recently used fan beyond its bound', () => {
    const cache = new FanIdCache(2);
    const [a, b, c] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
    cache.set('oA', a);
    cache.set('oB', b);
    cache.get('oA');
    cache.set('oC', c);
    expect([cache.get('oA'), cache.get('oB'), cache.get('oC')]).toEqual([a, undefined, c]);
  });
});

import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/lib/group-commit.js';

const stuckError = (): Error => new Error('batch not answered');

describe('group commit', () => {
  it('writes the items that arrive together in one batch, each with its own result', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      return items.map((n) => n * 10);
    });
    expect(await Promise.all([commit.add(1), commit.add(2), commit.add(3)])).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('fails the items of a batch that never settles, and sends the next batch anyway', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, string>(
      (items) => {
        batches.push(items);
        // The first write is never answered; later ones are.
        return batches.length === 1 ? new Promise(() => undefined) : Promise.resolve(items.map(() => 'stored'));
      },
      { abandonAfter: { ms: 50, error: stuckError } },
    );
    const stuck = commit.add(1);
    // Past the turn in which the first batch went out: this one queues behind it.
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = commit.add(2).catch(() => 'not reached');
    await expect(stuck).rejects.toThrow('batch not answered');
    // The item that queued behind the stuck batch went out in the next one.
    expect(await waiting).toBe('stored');
    expect(await commit.add(3)).toBe('stored');
    expect(batches).toEqual([[1], [2], [3]]);
  });

  it('keeps the result of a batch that settles before it would be abandoned', async () => {
    const commit = new GroupCommit<number, string>(
      async (items) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return items.map(() => 'stored');
      },
      { abandonAfter: { ms: 1_000, error: stuckError } },
    );
    expect(await commit.add(1)).toBe('stored');
  });

  it('fails only the item whose write the database refused', async () => {
    const commit = new GroupCommit<number, string>(async (items) => items.map((n) => (n === 2 ? new Error('refused') : 'stored')));
    const results = await Promise.allSettled([commit.add(1), commit.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });
});

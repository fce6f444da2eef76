import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { beforeDeadline, DEADLINE_PASSED } from '../../src/wechat/deadline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const settleIn = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('the deadline race', () => {
  it("gives the work's value when it settles first", async () => {
    const race = beforeDeadline(settleIn(100, 'reply'), 4_500);
    await vi.advanceTimersByTimeAsync(100);
    expect(await race).toBe('reply');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives DEADLINE_PASSED when the deadline comes first, and the work keeps running', async () => {
    const work = settleIn(6_000, 'late reply');
    const race = beforeDeadline(work, 4_500);
    await vi.advanceTimersByTimeAsync(4_500);
    expect(await race).toBe(DEADLINE_PASSED);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await work).toBe('late reply');
  });

  it('rejects with a failure that comes before the deadline, and leaves one after it to the holder of the work', async () => {
    await expect(beforeDeadline(Promise.reject(new Error('claim refused')), 3_000)).rejects.toThrow('claim refused');
    const late = new Promise((_resolve, reject) => setTimeout(() => reject(new Error('too late')), 5_000));
    const race = beforeDeadline(late, 3_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await race).toBe(DEADLINE_PASSED);
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(late).rejects.toThrow('too late');
  });

  it('treats a deadline already past as passed at once', async () => {
    const race = beforeDeadline(settleIn(10, 'reply'), -50);
    await vi.advanceTimersByTimeAsync(0);
    expect(await race).toBe(DEADLINE_PASSED);
  });
});

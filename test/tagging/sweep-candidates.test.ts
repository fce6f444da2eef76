import { describe, expect, it } from 'vitest';
import { sweepCandidates } from '../../src/tagging/sweep-candidates.js';
import type { TagRule } from '../../src/tagging/rules.js';

const DAY = 86_400_000;
const since = new Date('2026-11-20T09:00:00Z');
const hourLater = new Date('2026-11-20T10:00:00Z');
const nextDay = new Date('2026-11-21T00:30:00Z');
const idle14: TagRule = { id: 'idle-14', when: { idleDays: { atLeast: 14 } }, do: [{ addTag: '两周未见' }] };
const at = (days: number, from: Date) => new Date(from.getTime() - days * DAY);

describe('sweepCandidates', () => {
  it('adds, for each idleDays bound of the rules, the fans whose last interaction crossed it since the last sweep', () => {
    const branches = sweepCandidates([idle14], since, hourLater);
    expect(branches).toContainEqual({ subscribed: { $in: [true, false] }, lastSeenAt: { $gte: at(15, since), $lte: at(14, hourLater) } });
    // The tier boundaries are always there: dormant after 30 idle days, no longer new 7 days after the follow.
    expect(branches).toContainEqual({ subscribed: { $in: [true, false] }, lastSeenAt: { $gte: at(31, since), $lte: at(30, hourLater) } });
    expect(branches).toContainEqual({ subscribedAt: { $gte: at(8, since), $lte: at(7, hourLater) } });
  });

  it('re-reads the fans seen within the kept day counts only when a day ended since the last sweep', () => {
    const wholeWindow = { subscribed: { $in: [true, false] }, lastSeenAt: { $gte: at(61, since) } };
    expect(sweepCandidates([], since, hourLater)).not.toContainEqual(wholeWindow);
    expect(sweepCandidates([], since, nextDay)).toContainEqual(wholeWindow);
  });

  it('always re-reads the fans written since shortly before the last sweep began', () => {
    expect(sweepCandidates([], since, hourLater)[0]).toEqual({ updatedAt: { $gte: new Date(since.getTime() - 10 * 60_000) } });
  });
});

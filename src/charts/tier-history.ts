/**
 * Query: weekly snapshots of the fans by activity tier, the last `weeks` weeks up to `now`,
 * computed from each fan's timestamps (fans/tier-at.ts) in one pass over the fans with a
 * narrow projection.
 */
import type { Connection } from 'mongoose';
import { getFanModel, type ActivityTier } from '../fans/fan-model.js';
import { tierAt, type TierFan } from '../fans/tier-at.js';
import type { WeekSnapshot } from './tier-chart.js';

const WEEK_MS = 7 * 24 * 3_600_000;

export async function tierHistory(connection: Connection, now: Date, weeks = 8): Promise<WeekSnapshot[]> {
  const snapshots: WeekSnapshot[] = [];
  for (let i = weeks - 1; i >= 0; i -= 1) {
    snapshots.push({ at: new Date(now.getTime() - i * WEEK_MS), counts: { new: 0, active: 0, dormant: 0, unsubscribed: 0 } });
  }
  const projection = { subscribed: 1, subscribedAt: 1, unsubscribedAt: 1, firstSeenAt: 1, lastSeenAt: 1, daily: 1 };
  for await (const fan of getFanModel(connection).find({}, projection).lean<TierFan>().cursor({ batchSize: 1000 })) {
    for (const snapshot of snapshots) {
      const tier: ActivityTier | null = tierAt(fan, snapshot.at);
      if (tier) {
        snapshot.counts[tier] += 1;
      }
    }
  }
  return snapshots;
}

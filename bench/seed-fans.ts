/**
 * Seeds N realistic fans straight into the collection (insertMany of 5,000), then builds
 * fanhook's indexes: a mix of sources, regions, tags, recent and dormant fans, open
 * customer-service windows and fans who already had their monthly pushes — so segments,
 * planning and sweeps have real work.
 */
import { Types, type Connection } from 'mongoose';
import { ensureIndexes } from '../src/db/ensure-indexes.js';

const SOURCES = ['store_hz', 'store_sh', 'livestream', 'poster', undefined];
const REGIONS = ['浙江', '上海', '江苏', '广东', '北京'];
const TAGS = ['vip', 'new_arrivals', 'skincare', 'size_l', 'coupon'];
const DAY = 86_400_000;

/** Inserts `count` fans named `o_seed_<i>`; returns how many were inserted. */
export async function seedFans(connection: Connection, count: number, now: Date): Promise<number> {
  // Raw inserts into a collection without fanhook's indexes yet: one build over the loaded
  // collection costs far less than maintaining every index on every insert. The build is
  // waited for here, so the timed tasks find the indexes a running fanhook has.
  const fans = connection.collection('fans');
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  for (let start = 0; start < count; start += 5_000) {
    const docs = [];
    for (let i = start; i < Math.min(count, start + 5_000); i += 1) {
      const seen = new Date(now.getTime() - ((i * 7919) % 90) * DAY);
      const source = SOURCES[i % SOURCES.length];
      docs.push({
        _id: new Types.ObjectId(),
        openId: `o_seed_${i}`,
        subscribed: i % 17 !== 0,
        subscribedAt: new Date(seen.getTime() - 30 * DAY),
        firstSeenAt: new Date(seen.getTime() - 30 * DAY),
        lastSeenAt: seen,
        ...(source ? { source } : {}),
        location: { region: REGIONS[i % REGIONS.length] },
        tags: TAGS.filter((_, t) => (i >> t) % 3 === 0).map((name) => ({ name, source: 'rule', ruleId: `r_${name}`, at: seen })),
        tagsRev: 0,
        attributes: i % 4 === 0 ? { size: 'L' } : {},
        counts: { text: i % 9 },
        activity: 'active',
        csWindow:
          i % 10 === 0 ? { messageAt: new Date(now.getTime() - DAY), messageUsed: 0, triggerUsed: 0 } : { messageUsed: 0, triggerUsed: 0 },
        massPushes: i % 13 === 0 ? { month, count: 4 } : { count: 0 },
        unansweredStreak: 0,
        createdAt: seen,
        updatedAt: seen,
      });
    }
    await fans.insertMany(docs, { ordered: false });
  }
  await ensureIndexes(connection);
  return count;
}

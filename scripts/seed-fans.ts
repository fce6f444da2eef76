/**
 * Seeds N synthetic fans for the tag-sweep measurement: follow dates over 400 days, last
 * interactions between the follow and now, and tiers/tags as the sweep left them one day
 * earlier — so a sweep "today" re-tags exactly the fans that crossed a boundary overnight
 * (or, with --untagged, every fan: the very first sweep).
 *
 * Usage: MONGODB_URI=mongodb://…/db npx tsx scripts/seed-fans.ts [--count 100000] [--untagged]
 */
import mongoose, { type Connection } from 'mongoose';
import { activityOf } from '../src/fans/activity-of.js';
import { getFanModel, type FanTag } from '../src/fans/fan-model.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const TIER_TAGS: Record<string, { name: string; ruleId: string } | undefined> = {
  new: { name: '新粉', ruleId: 'tier-new' },
  active: { name: '活跃', ruleId: 'tier-active' },
  dormant: { name: '沉睡', ruleId: 'tier-dormant' },
};
const SCENES = ['store_hz', 'livestream', undefined, undefined];

export interface SeedOptions {
  connection: Connection;
  count: number;
  now: Date;
  /** Leave tiers and tier tags unset (the first sweep ever). */
  untagged?: boolean;
  prefix?: string;
}

/** A deterministic pseudo-random generator, so two runs seed the same fans. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Inserts `count` fans in batches of 1,000; returns how many. */
export async function seedFans({ connection, count, now, untagged = false, prefix = 'oSeed' }: SeedOptions): Promise<number> {
  const model = getFanModel(connection);
  const next = random(42);
  const asOf = new Date(now.getTime() - DAY_MS);
  for (let start = 0; start < count; start += 1000) {
    const docs = [];
    for (let i = start; i < Math.min(count, start + 1000); i += 1) {
      const subscribedAt = new Date(now.getTime() - next() * 400 * DAY_MS);
      // Skewed toward recent: most fans interacted lately, a long tail went quiet.
      const lastSeenAt = new Date(Math.max(subscribedAt.getTime(), now.getTime() - next() ** 2 * 120 * DAY_MS));
      const subscribed = next() > 0.05;
      const fan = { subscribed, subscribedAt, lastSeenAt: lastSeenAt > asOf ? asOf : lastSeenAt };
      const tier = activityOf(fan, asOf);
      const tierTag = TIER_TAGS[tier];
      const tags: FanTag[] = !untagged && tierTag ? [{ name: tierTag.name, source: 'rule', ruleId: tierTag.ruleId, at: asOf }] : [];
      docs.push({
        openId: `${prefix}${String(i).padStart(7, '0')}`,
        ...fan,
        firstSeenAt: subscribedAt,
        source: SCENES[i % SCENES.length],
        activity: untagged ? 'new' : tier,
        counts: { text: Math.floor(next() * 20), menu_click: Math.floor(next() * 10) },
        tags,
        tagsRev: tags.length,
      });
    }
    await model.insertMany(docs, { ordered: false, lean: true });
  }
  return count;
}

async function main(): Promise<void> {
  const uri = process.env['MONGODB_URI'];
  if (!uri) {
    throw new Error('set MONGODB_URI to the database to seed (e.g. mongodb://127.0.0.1:27017/fanhook_sweep)');
  }
  const args = process.argv.slice(2);
  const count = Number(args[args.indexOf('--count') + 1] || 100_000);
  const connection = await mongoose.createConnection(uri).asPromise();
  const started = performance.now();
  await seedFans({ connection, count, now: new Date(), untagged: args.includes('--untagged') });
  process.stdout.write(`seeded ${count} fans in ${Math.round(performance.now() - started)} ms\n`);
  await connection.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}

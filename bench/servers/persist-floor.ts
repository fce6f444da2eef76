/**
 * Baseline, the persist floor: bare Koa + the official `mongodb` driver doing the least a bot
 * that persists must do for each message — claim it by its dedupe key (an insert that a unique
 * index lets only one delivery win; a retry answers `success`), then upsert the fan's message
 * count and last-seen time — and reply text. argv: appId, database URI.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { baselineReply, dedupeKeyOf, serveCallbackEdge } from './koa-callback-edge.js';

const DUPLICATE_KEY = 11000;

const [appId = 'wx0000000000000000', uri = ''] = process.argv.slice(2);
const client = await new MongoClient(uri).connect();
const db = client.db();
const claims = db.collection<{ dedupeKey: string; openId: string; at: Date }>('claims');
const fans = db.collection<{ openId: string; messages: number; lastSeenAt: Date; firstSeenAt: Date }>('fans');
await claims.createIndex({ dedupeKey: 1 }, { unique: true });
await fans.createIndex({ openId: 1 }, { unique: true });

serveCallbackEdge(appId, async (msg) => {
  const now = new Date();
  try {
    await claims.insertOne({ dedupeKey: dedupeKeyOf(msg), openId: msg.FromUserName ?? '', at: now });
  } catch (error) {
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
      return undefined;
    }
    throw error;
  }
  await fans.updateOne(
    { openId: msg.FromUserName ?? '' },
    { $inc: { messages: 1 }, $set: { lastSeenAt: now }, $setOnInsert: { firstSeenAt: now } },
    { upsert: true },
  );
  return baselineReply(msg);
});

/**
 * The grouped fan writes behind every inbound message (src/fans/fan-writes.ts): under load
 * many fans' updates go out together, and still every message gets its own fan back exactly
 * as its own update left it.
 */
import mongoose, { type Connection, type Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { FanIdCache } from '../../src/fans/fan-id-cache.js';
import { FanWrites } from '../../src/fans/fan-writes.js';
import { updateFan } from '../../src/fans/update-fan.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
let connection: Connection;
const commands: string[] = [];
const now = new Date();
const newFan = (openId: string) => ({ openId, subscribed: true, firstSeenAt: now, lastSeenAt: now });

beforeAll(async () => {
  // Its own connection, watched: how many commands the writes cost is the point of grouping.
  connection = await mongoose.createConnection(db.uri, { monitorCommands: true }).asPromise();
  connection.getClient().on('commandStarted', (event) => commands.push(event.commandName));
  await getFanModel(connection).init();
});
afterAll(async () => {
  await connection?.close();
});

async function idsOf(openIds: string[]): Promise<Types.ObjectId[]> {
  const docs = await getFanModel(connection).insertMany(openIds.map(newFan));
  return docs.map((doc) => doc._id as Types.ObjectId);
}

describe('grouped fan updates', () => {
  it('updates 50 fans messaging at once in a few commands, each caller getting its own fan', async () => {
    const openIds = Array.from({ length: 50 }, (_, i) => `oBurst${i}`);
    const ids = await idsOf(openIds);
    commands.length = 0;

    const fans = await Promise.all(ids.map((id) => FanWrites.of(connection).apply(id, { $inc: { 'counts.text': 1 } })));

    expect(fans.map((fan) => fan?.openId)).toEqual(openIds);
    expect(fans.every((fan) => fan?.counts?.['text'] === 1)).toBe(true);
    const writes = commands.filter((name) => name === 'update' || name === 'findAndModify');
    expect(writes.length).toBeLessThanOrEqual(3);
    const stored = await getFanModel(connection)
      .find({ openId: { $in: openIds } })
      .lean();
    expect(stored.map((fan) => fan.counts['text'])).toEqual(Array(50).fill(1));
  });

  it("applies one fan's messages in arrival order, each seeing the fan right after its own update", async () => {
    const [id] = await idsOf(['oHot']);
    const others = await idsOf(['oQuietA', 'oQuietB']);

    const results = await Promise.all([
      ...[1, 2, 3, 4, 5].map((n) =>
        FanWrites.of(connection).apply(id!, { $inc: { 'counts.text': 1 }, $set: { 'attributes.last': String(n) } }),
      ),
      ...others.map((other) => FanWrites.of(connection).apply(other, { $inc: { 'counts.text': 1 } })),
    ]);

    expect(results.slice(0, 5).map((fan) => [fan?.counts['text'], fan?.attributes['last']])).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '3'],
      [4, '4'],
      [5, '5'],
    ]);
    expect(results.slice(5).map((fan) => fan?.counts['text'])).toEqual([1, 1]);
  });

  it('answers null for a fan deleted meanwhile and still updates the others of the batch', async () => {
    const [gone, kept] = await idsOf(['oGone', 'oKept']);
    await getFanModel(connection).deleteOne({ _id: gone });

    const [a, b] = await Promise.all([gone!, kept!].map((id) => FanWrites.of(connection).apply(id, { $inc: { 'counts.text': 1 } })));

    expect(a).toBeNull();
    expect(b?.openId).toBe('oKept');
    expect(await getFanModel(connection).countDocuments({ openId: 'oGone' })).toBe(0);
  });
});

describe("middleware writes to the sender's fan", () => {
  it('join the same grouped commands as the message updates, in order per fan', async () => {
    const openIds = Array.from({ length: 20 }, (_, i) => `oSide${i}`);
    const ids = await idsOf(openIds);
    openIds.forEach((openId, i) => FanIdCache.of(connection).set(openId, ids[i]!));
    commands.length = 0;

    await Promise.all(
      openIds.flatMap((openId, i) => [
        FanWrites.of(connection).apply(ids[i]!, { $inc: { 'counts.text': 1 } }),
        updateFan(connection, openId, { $set: { 'attributes.asked': 'size' } }),
        updateFan(connection, openId, { $inc: { unansweredStreak: 1 } }),
      ]),
    );

    const stored = await getFanModel(connection)
      .find({ openId: { $in: openIds } })
      .lean();
    expect(stored.map((fan) => [fan.counts['text'], fan.attributes['asked'], fan.unansweredStreak])).toEqual(
      Array(20).fill([1, 'size', 1]),
    );
    expect(commands.filter((name) => name === 'update' || name === 'findAndModify').length).toBeLessThanOrEqual(6);
  });

  it('still reaches a fan this process has not seen, by openid', async () => {
    await idsOf(['oUnknownHere']);
    FanIdCache.of(connection).delete('oUnknownHere');

    await updateFan(connection, 'oUnknownHere', { $set: { 'attributes.size': 'M' } });

    expect((await getFanModel(connection).findOne({ openId: 'oUnknownHere' }).lean())?.attributes['size']).toBe('M');
  });
});

describe('grouped inserts of new fans', () => {
  it('inserts a burst of new fans and reports the one that exists already as a duplicate', async () => {
    await idsOf(['oExisting']);
    const model = getFanModel(connection);
    const docs = ['oNew1', 'oExisting', 'oNew2', 'oNew1'].map((openId) => new model(newFan(openId)).toObject() as Fan);

    const outcomes = await Promise.all(docs.map((doc) => FanWrites.of(connection).insert(doc)));

    expect(outcomes).toEqual(['inserted', 'duplicate', 'inserted', 'duplicate']);
    expect((await model.find({ openId: { $in: ['oNew1', 'oNew2', 'oExisting'] } }).lean()).map((fan) => fan.openId).sort()).toEqual([
      'oExisting',
      'oNew1',
      'oNew2',
    ]);
    const created = await model.findOne({ openId: 'oNew2' }).lean();
    expect(created?.createdAt).toBeInstanceOf(Date);
  });
});

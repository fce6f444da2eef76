import mongoose, { Schema, Types } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../support/db.js';

// Proves the server the `db` project runs on (FerretDB 1.24 when nothing else is set up)
// does what fanhook relies on; a regression here explains failures everywhere else.
describe('local database', () => {
  const db = useTestDb();
  const others: mongoose.Connection[] = [];

  afterAll(async () => {
    await Promise.all(others.map((connection) => connection.close()));
  });

  it('should answer ping', async () => {
    const answer = await db.connection.db!.admin().ping();
    expect(answer.ok).toBe(1);
  });

  it('should return a document written through one connection when read through another', async () => {
    await db.connection.collection('notes').insertOne({ key: 'shared', text: 'hello' });
    const second = await mongoose.createConnection(db.uri).asPromise();
    others.push(second);

    const found = await second.collection('notes').findOne({ key: 'shared' });

    expect(found?.text).toBe('hello');
  });

  it('should reject a duplicate with code 11000 when a unique index exists', async () => {
    // Callback dedupe (MsgId) depends on exactly this error.
    const Seen = db.connection.model('Seen', new Schema({ msgId: { type: String, required: true, unique: true } }));
    await Seen.init();
    await Seen.create({ msgId: 'm1' });

    const duplicate = Seen.create({ msgId: 'm1' });

    await expect(duplicate).rejects.toMatchObject({ code: 11000 });
    expect(await Seen.countDocuments()).toBe(1);
  });

  it('should find exactly the documents an _id $in names, honouring the other conditions', async () => {
    // Broadcast quota reservation reads its fans this way (fanhook's FerretDB build narrows it
    // by the _id index); the answer must be the same as a full scan's.
    const fans = db.connection.collection<{ _id: Types.ObjectId | string; n: number; on: boolean }>('in_lookups');
    const ids = Array.from({ length: 30 }, () => new Types.ObjectId());
    await fans.insertMany(ids.map((_id, n) => ({ _id, n, on: n % 2 === 0 })));
    await fans.insertOne({ _id: 'text-id', n: 99, on: true });
    const gone = new Types.ObjectId();
    const numbers = async (filter: Record<string, unknown>): Promise<number[]> =>
      (await fans.find(filter).toArray()).map((doc) => doc.n).sort((a, b) => a - b);

    expect(await numbers({ _id: { $in: [ids[3], ids[7], gone, ids[20]] } })).toEqual([3, 7, 20]);
    expect(await numbers({ _id: { $in: [ids[3], ids[4], ids[7]] }, on: true })).toEqual([4]);
    expect(await numbers({ _id: { $in: [ids[1], 'text-id'] } })).toEqual([1, 99]);
    // An element of another type: matched as MongoDB matches it (nothing has a numeric _id).
    expect(await numbers({ _id: { $in: [ids[2], 5] } })).toEqual([2]);
    expect(await numbers({ _id: { $in: [] } })).toEqual([]);
  });

  it('should find, update and delete by openId exactly the documents a full scan would', async () => {
    // Fan, interaction and handoff lookups select by openId; fanhook's FerretDB build narrows a
    // string openId by its index. Other conditions, sorting and limits must still hold.
    const log = db.connection.collection<{ openId: string | number; n: number; kind: string; at: Date }>('openid_lookups');
    await log.createIndex({ openId: 1, at: -1 });
    await log.insertMany(
      Array.from({ length: 40 }, (_, n) => ({
        openId: `o_${n % 4}`,
        n,
        kind: n % 3 === 0 ? 'event' : 'text',
        at: new Date(1_700_000_000_000 + n * 1000),
      })),
    );
    await log.insertOne({ openId: 7, n: 100, kind: 'text', at: new Date(0) });
    const numbers = async (filter: Record<string, unknown>, limit = 0): Promise<number[]> =>
      (await log.find(filter).sort({ at: -1 }).limit(limit).toArray()).map((doc) => doc.n);

    expect(await numbers({ openId: 'o_1' })).toEqual([37, 33, 29, 25, 21, 17, 13, 9, 5, 1]);
    expect(await numbers({ openId: 'o_1', kind: { $ne: 'event' } }, 3)).toEqual([37, 29, 25]);
    expect(await numbers({ openId: 'o_9' })).toEqual([]);
    expect(await numbers({ openId: 7 })).toEqual([100]);
    expect(await numbers({ openId: { $in: ['o_2', 'o_3'] }, n: { $gte: 34 } })).toEqual([39, 38, 35, 34]);

    await log.updateOne({ openId: 'o_2', n: 6 }, { $set: { kind: 'changed' } });
    await log.deleteMany({ openId: 'o_3', kind: 'event' });

    expect(await log.countDocuments({ kind: 'changed' })).toBe(1);
    expect((await log.findOne({ kind: 'changed' }))?.n).toBe(6);
    expect(await numbers({ openId: 'o_3' })).toEqual([35, 31, 23, 19, 11, 7]);
  });

  it('should find handoffs by shortId and staffOpenId exactly as a full scan would', async () => {
    // `/take A7K2` and a staff member's relay select handoffs this way (narrowed by index too).
    const handoffs = db.connection.collection<{ shortId: string; staffOpenId?: string; status: string; n: number }>('key_lookups');
    await handoffs.createIndex({ shortId: 1 }, { unique: true });
    await handoffs.createIndex({ staffOpenId: 1, status: 1 });
    await handoffs.insertMany(
      Array.from({ length: 12 }, (_, n) => ({
        shortId: `S${n}`,
        status: n % 2 === 0 ? 'held' : 'closed',
        n,
        ...(n % 3 === 0 ? {} : { staffOpenId: `staff_${n % 3}` }),
      })),
    );
    const numbers = async (filter: Record<string, unknown>): Promise<number[]> =>
      (await handoffs.find(filter).toArray()).map((doc) => doc.n).sort((a, b) => a - b);

    expect(await numbers({ shortId: 'S7' })).toEqual([7]);
    expect(await numbers({ shortId: 'S7', status: 'held' })).toEqual([]);
    expect(await numbers({ staffOpenId: 'staff_1', status: 'held' })).toEqual([4, 10]);
    expect(await numbers({ staffOpenId: 'staff_2' })).toEqual([2, 5, 8, 11]);
    expect(await handoffs.countDocuments({ staffOpenId: 'staff_2', status: 'closed' })).toBe(2);
    expect(await numbers({ shortId: 'S1', staffOpenId: 'staff_2' })).toEqual([]);
  });

  it('should find a mass-send batch by msgId exactly as a full scan would', async () => {
    // MASSSENDJOBFINISH names its send by msg_id, stored as a string (narrowed by index too).
    const batches = db.connection.collection<{ msgId?: string; kind: string; n: number }>('msgid_lookups');
    await batches.createIndex({ msgId: 1 });
    await batches.insertMany([
      { msgId: '1000001', kind: 'mass', n: 1 },
      { msgId: '1000002', kind: 'tag', n: 2 },
      { msgId: '1000002', kind: 'customer', n: 3 },
      { kind: 'mass', n: 4 },
    ]);

    const found = await batches.findOneAndUpdate(
      { msgId: '1000002', kind: { $in: ['mass', 'tag'] } },
      { $set: { kind: 'finished' } },
      { returnDocument: 'after' },
    );

    expect(found?.n).toBe(2);
    expect(await batches.countDocuments({ msgId: '1000001' })).toBe(1);
    expect(await batches.countDocuments({ msgId: '1000003' })).toBe(0);
    expect((await batches.find({ msgId: { $exists: false } }).toArray()).map((b) => b.n)).toEqual([4]);
  });

  it('should apply every update when one connection sends 20 $inc to a document in parallel', async () => {
    // FerretDB loses these across connections; the maxPoolSize=1 in its URI prevents that.
    const counters = db.connection.collection<{ key: string; n: number }>('counters');
    await counters.insertOne({ key: 'c', n: 0 });

    await Promise.all(Array.from({ length: 20 }, () => counters.updateOne({ key: 'c' }, { $inc: { n: 1 } })));

    expect((await counters.findOne({ key: 'c' }))?.n).toBe(20);
  });
});

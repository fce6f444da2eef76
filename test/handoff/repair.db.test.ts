import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deliveredTo, MONDAY_11_SHANGHAI } from './helpers.js';

// A handoff is written in steps (a one-time claim, the chat, the fan's mark). An instance that
// dies, or loses the database, between two steps must not leave a fan ignored or a chat that
// nobody can take or end. These tests write the half-done state directly, as such a crash leaves it.
const db = useTestDb();
let app: Harness;
const clock = new ManualClock(MONDAY_11_SHANGHAI);

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, clock, env: { STAFF_OPENIDS: 'oStaffAnna' } });
  await app.fan('oStaffAnna').sendText('/queue');
});
afterAll(async () => {
  await app?.close();
});

const claims = () => app.connection.collection<{ _id: string; by: string; at: Date }>('handoffclaims');
const handoffOf = async (openId: string) => (await getHandoffModel(app.connection).findOne({ openId }).sort({ createdAt: -1 }).lean())!;
const markOf = async (openId: string) => (await getFanModel(app.connection).findOne({ openId }).lean())?.handoff;
const content = (answer: { reply: Record<string, unknown> | null }) => String(answer.reply?.['Content'] ?? '');

describe('a claim left by an instance that died', () => {
  it('gives a queued chat to the next staff member once the dead taker’s claim is a minute old', async () => {
    await app.fan('oFanTake').sendText('人工');
    const { shortId } = await handoffOf('oFanTake');
    await claims().insertOne({ _id: `take:${shortId}`, by: 'oStaffGone', at: clock.now() });

    expect(content(await app.fan('oStaffAnna').sendText(`/take ${shortId}`))).toBe(`#${shortId} 已被 oStaffGone 接入。`);

    clock.advance(2 * 60_000);
    expect(content(await app.fan('oStaffAnna').sendText(`/take ${shortId}`))).toContain(`已接入 #${shortId}`);
    expect(await handoffOf('oFanTake')).toMatchObject({ status: 'held', staffOpenId: 'oStaffAnna' });
    expect(deliveredTo(app.fake, 'oFanTake').at(-1)).toContain('店员已接入');
  });

  it('ends a held chat once the dead closer’s claim is a minute old, and the bot answers the fan again', async () => {
    const { shortId } = await handoffOf('oFanTake');
    await claims().insertOne({ _id: `close:${shortId}`, by: 'oStaffAnna', at: clock.now() });
    await app.fan('oStaffAnna').sendText('/end');
    expect((await handoffOf('oFanTake')).status).toBe('held');

    clock.advance(2 * 60_000);
    expect(content(await app.fan('oStaffAnna').sendText('/end'))).toContain(`#${shortId} 已结束`);
    expect(await handoffOf('oFanTake')).toMatchObject({ status: 'closed', closeReason: 'ended' });
    expect(await markOf('oFanTake')).toBeUndefined();
    expect((await app.fan('oFanTake').sendText('你好')).reply?.['MsgType']).toBe('text');
  });
});

describe("a fan's mark that disagrees with the chat", () => {
  it('answers a fan whose chat was closed but whose mark stayed, and removes the mark', async () => {
    await app.fan('oFanStale').sendText('人工');
    const { shortId } = await handoffOf('oFanStale');
    await getHandoffModel(app.connection).updateOne({ shortId }, { $set: { status: 'closed', closeReason: 'ended' } });

    const answer = await app.fan('oFanStale').sendText('你好');

    expect(answer.reply?.['MsgType']).toBe('text');
    expect(content(answer)).not.toContain('店员正在赶来');
    expect(await markOf('oFanStale')).toBeUndefined();
    expect(app.logs.some((l) => l.includes(shortId) && l.includes('mark of a closed chat removed'))).toBe(true);
  });

  it('relays to the staff member a fan whose mark missed the take, and corrects the mark', async () => {
    await app.fan('oFanMissed').sendText('人工');
    const { shortId } = await handoffOf('oFanMissed');
    // Taken, but the instance died before it marked the fan: the mark still says queued.
    await getHandoffModel(app.connection).updateOne(
      { shortId },
      { $set: { status: 'held', staffOpenId: 'oStaffAnna', takenAt: clock.now() } },
    );
    const before = deliveredTo(app.fake, 'oStaffAnna').length;

    const answer = await app.fan('oFanMissed').sendText('请问M码还有吗');

    expect(answer.reply).toBeNull();
    expect(deliveredTo(app.fake, 'oStaffAnna').slice(before).join('\n')).toContain('请问M码还有吗');
    expect(await markOf('oFanMissed')).toMatchObject({ shortId, status: 'held', staffOpenId: 'oStaffAnna' });
  });

  it('marks a fan whose opening was cut short when they ask again, without a second chat', async () => {
    await app.fan('oFanUnmarked').sendText('人工');
    const { shortId } = await handoffOf('oFanUnmarked');
    await getFanModel(app.connection).updateOne({ openId: 'oFanUnmarked' }, { $unset: { handoff: 1 } });

    await app.fan('oFanUnmarked').sendText('人工');

    expect(await markOf('oFanUnmarked')).toMatchObject({ shortId, status: 'queued' });
    expect(await getHandoffModel(app.connection).countDocuments({ openId: 'oFanUnmarked' })).toBe(1);
    expect(content(await app.fan('oFanUnmarked').sendText('还在吗'))).toContain('店员正在赶来');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { getHandoffModel, handoffsOf } from '../../src/handoff/handoff-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deliveredTo, MONDAY_11_SHANGHAI } from './helpers.js';

const db = useTestDb();
let app: Harness;
const clock = new ManualClock(MONDAY_11_SHANGHAI);

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    clock,
    env: { STAFF_OPENIDS: 'oStaffAnna,oStaffBen,oStaffFar', ADMIN_OPENIDS: 'oAdminMia' },
  });
  // Anna and Ben wrote to the account recently (their own 48-hour window is open); Far never did.
  await app.fan('oStaffAnna').sendText('/queue');
  await app.fan('oStaffBen').sendText('/queue');
});
afterAll(async () => {
  await app?.close();
});

const openHandoffOf = (openId: string) =>
  getHandoffModel(app.connection)
    .findOne({ openId, status: { $ne: 'closed' } })
    .lean();

describe('a fan asks for a person, staff take the chat, talk, and end it', () => {
  const fan = () => app.fan('oFanLily');
  let shortId = '';

  it('tells the fan a person is coming and notifies the staff who can be reached with a fan card', async () => {
    await fan().follow('store_hz');
    await fan().sendText('这件外套有M码吗');
    const result = await fan().sendText('我要转人工');
    expect(String(result.reply?.['Content'])).toContain('店员马上就来');
    const handoff = await openHandoffOf('oFanLily');
    expect(handoff).toMatchObject({ status: 'queued', reason: 'keyword', reasonDetail: '人工' });
    shortId = handoff!.shortId;
    expect(shortId).toMatch(/^[A-Z0-9]{4}$/);
    const card = deliveredTo(app.fake, 'oStaffAnna').at(-1)!;
    expect(card).toContain(`#${shortId}`);
    expect(card).toContain('粉丝：oFanLily（来源 store_hz');
    expect(card).toContain('这件外套有M码吗');
    expect(deliveredTo(app.fake, 'oStaffBen').at(-1)).toContain(`/take ${shortId}`);
    // Far is outside their own window: no message is attempted, and the log says why.
    expect(app.fake.customMessagesFor('oStaffFar')).toHaveLength(0);
    expect(app.logs.some((l) => l.includes('oStaffFar') && l.includes('outside their own 48-hour window'))).toBe(true);
  });

  it('answers a waiting fan once that a person is coming, then stays quiet', async () => {
    const first = await fan().sendText('还在吗？');
    expect(String(first.reply?.['Content'])).toContain('店员正在赶来');
    const second = await fan().sendText('？？');
    expect(second.reply).toBeNull();
    expect(second.replyXml).toBe('success');
  });

  it('lists the chat in /queue and gives it to the staff member who takes it', async () => {
    const queue = await app.fan('oStaffAnna').sendText('/排队');
    expect(String(queue.reply?.['Content'])).toContain(`#${shortId} 粉丝 oFanLily`);
    const taken = await app.fan('oStaffAnna').sendText(`/take ${shortId.toLowerCase()}`);
    const card = String(taken.reply?.['Content']);
    expect(card).toContain(`已接入 #${shortId}`);
    expect(card).toContain('还在吗？');
    expect(deliveredTo(app.fake, 'oFanLily').at(-1)).toContain('店员已接入');
    // What the fan wrote while waiting is in the card above, not "missed" in /queue.
    expect(String((await app.fan('oStaffAnna').sendText('/queue')).reply?.['Content'])).not.toContain('未能转给您');
    expect((await getFanModel(app.connection).findOne({ openId: 'oFanLily' }).lean())?.handoff).toMatchObject({
      status: 'held',
      staffOpenId: 'oStaffAnna',
    });
  });

  it('relays every fan message to the staff member (text, image, voice, location) while the bot stays silent', async () => {
    const before = deliveredTo(app.fake, 'oStaffAnna').length;
    for (const send of [
      () => fan().sendText('M码还有吗'),
      () => fan().image(),
      () => fan().voice(),
      () => fan().location(30.25, 120.16, '杭州西湖'),
    ]) {
      const result = await send();
      expect(result.reply).toBeNull();
    }
    const got = deliveredTo(app.fake, 'oStaffAnna').slice(before);
    expect(got[0]).toBe(`[#${shortId}] 粉丝：M码还有吗`);
    expect(got[1]).toMatch(/^\[image:SIM_IMAGE_/);
    expect(got[2]).toMatch(/^\[voice:SIM_VOICE_/);
    expect(got[3]).toContain('杭州西湖');
  });

  it("relays the staff member's text and image to the fan as customer-service messages", async () => {
    const before = deliveredTo(app.fake, 'oFanLily').length;
    const text = await app.fan('oStaffAnna').sendText('有的，M码还有3件');
    expect(text.reply).toBeNull();
    await app.fan('oStaffAnna').image();
    const got = deliveredTo(app.fake, 'oFanLily').slice(before);
    expect(got[0]).toBe('有的，M码还有3件');
    expect(got[1]).toMatch(/^\[image:SIM_IMAGE_/);
  });

  it('ends the chat with /end: the fan is told, the bot answers again, and the transcript stays with the fan', async () => {
    const ended = await app.fan('oStaffAnna').sendText('/结束');
    expect(String(ended.reply?.['Content'])).toContain(`#${shortId} 已结束`);
    expect(deliveredTo(app.fake, 'oFanLily').at(-1)).toContain('人工服务已结束');
    const staffBefore = deliveredTo(app.fake, 'oStaffAnna').length;
    const after = await fan().sendText('谢谢');
    expect(after.reply?.['MsgType']).toBe('text');
    expect(deliveredTo(app.fake, 'oStaffAnna')).toHaveLength(staffBefore);
    const [handoff] = await handoffsOf(app.connection, 'oFanLily');
    expect(handoff).toMatchObject({ status: 'closed', closeReason: 'ended', staffOpenId: 'oStaffAnna' });
    const lines = handoff!.transcript.map((t) => `${t.from}:${t.text}`);
    expect(lines).toEqual(
      expect.arrayContaining(['fan:还在吗？', 'fan:M码还有吗', 'fan:[图片]', 'staff:有的，M码还有3件', 'system:ended']),
    );
  });
});

describe('triggers', () => {
  it('hands over a fan the bot could not answer twice instead of a second fallback', async () => {
    const first = await app.fan('oFanStuck').sendText('qzx vbn 123');
    expect(await openHandoffOf('oFanStuck')).toBeNull();
    expect((await getFanModel(app.connection).findOne({ openId: 'oFanStuck' }).lean())?.unansweredStreak).toBe(1);
    const second = await app.fan('oFanStuck').sendText('qzx vbn 456');
    expect(String(second.reply?.['Content'])).toContain('人工客服');
    expect(String(second.reply?.['Content'])).not.toBe(String(first.reply?.['Content']));
    expect(await openHandoffOf('oFanStuck')).toMatchObject({ reason: 'stuck' });
  });

  it('lets an admin hand a fan over with /handoff, and refuses it to staff', async () => {
    await app.fan('oFanQuiet').sendText('在吗');
    const denied = await app.fan('oStaffAnna').sendText('/handoff oFanQuiet');
    expect(String(denied.reply?.['Content'])).toContain('没有权限');
    await app.fan('oAdminMia').sendText('/help');
    const done = await app.fan('oAdminMia').sendText('/转人工 oFanQuiet');
    expect(String(done.reply?.['Content'])).toMatch(/已为 oFanQuiet 创建人工会话 #[A-Z0-9]{4}，已通知 \d 位店员/);
    expect(deliveredTo(app.fake, 'oFanQuiet').at(-1)).toContain('店员马上就来');
    expect(await openHandoffOf('oFanQuiet')).toMatchObject({ reason: 'admin', reasonDetail: 'oAdminMia' });
  });

  it('tells a fan outside business hours when a person will answer', async () => {
    clock.set(new Date('2026-11-23T14:30:00Z')); // 22:30 in Shanghai
    try {
      const result = await app.fan('oFanNight').sendText('客服在吗');
      expect(String(result.reply?.['Content'])).toContain('明天 09:00');
    } finally {
      clock.set(MONDAY_11_SHANGHAI);
    }
  });
});

describe('with several chats held', () => {
  it('addresses one fan with "#id text" and asks which one when the id is missing', async () => {
    await app.fan('oFanOne').sendText('人工');
    await app.fan('oFanTwo').sendText('人工');
    const one = (await openHandoffOf('oFanOne'))!.shortId;
    const two = (await openHandoffOf('oFanTwo'))!.shortId;
    await app.fan('oStaffBen').sendText(`/take ${one}`);
    await app.fan('oStaffBen').sendText(`/take ${two}`);
    const unclear = await app.fan('oStaffBen').sendText('您好');
    expect(String(unclear.reply?.['Content'])).toContain('请用「#编号 内容」');
    await app.fan('oStaffBen').sendText(`#${two} 第二位您好`);
    expect(deliveredTo(app.fake, 'oFanTwo').at(-1)).toBe('第二位您好');
    expect(deliveredTo(app.fake, 'oFanOne')).not.toContain('第二位您好');
    await app.fan('oFanOne').sendText('我是第一位');
    expect(deliveredTo(app.fake, 'oStaffBen').at(-1)).toBe(`[#${one}] 粉丝：我是第一位`);
    const ended = await app.fan('oStaffBen').sendText(`/end ${one}`);
    expect(String(ended.reply?.['Content'])).toContain(`#${one} 已结束`);
    await app.fan('oStaffBen').sendText(`/end ${two}`);
  });
});

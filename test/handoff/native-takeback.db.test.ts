/**
 * No handoff out of sight (issue 12 item 13): a fan who asked for a person while no staff was
 * reachable went to WeChat's own customer service; /queue lists that chat with where it went
 * and since when, and a staff member who comes online can /take it back, after which the fan
 * is relayed through fanhook again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deliveredTo, MONDAY_11_SHANGHAI } from './helpers.js';

const db = useTestDb();
let app: Harness;
const clock = new ManualClock(MONDAY_11_SHANGHAI);

beforeAll(async () => {
  // Staff and admin exist but have not written to the account: nobody can be reached.
  app = await startHarness({ dbUri: db.uri, clock, env: { STAFF_OPENIDS: 'oStaffLate,oStaffOther', ADMIN_OPENIDS: 'oBossLate' } });
});
afterAll(async () => {
  await app?.close();
});

// Staff who wrote in an earlier test are reachable for 48 hours: each test starts two days
// later, so in every test nobody is reachable until a staff member writes.
beforeEach(() => {
  clock.advance(49 * 60 * 60_000);
});

const handoffOf = (openId: string) => getHandoffModel(app.connection).findOne({ openId }).sort({ createdAt: -1 }).lean();
const text = (result: { reply: Record<string, unknown> | null }) => String(result.reply?.['Content'] ?? '');

describe('handoffs that went to WeChat customer service', () => {
  it('are listed in /queue with where they went and since when, matching /stats', async () => {
    const asked = await app.fan('oFanNoStaff').sendText('我要找人工客服');
    expect(asked.reply?.['MsgType']).toBe('transfer_customer_service');
    const { shortId } = (await handoffOf('oFanNoStaff'))!;
    clock.advance(12 * 60_000);
    const stats = await app.fan('oBossLate').sendText('/stats');
    expect(text(stats)).toMatch(/待处理人工会话：[1-9]/);
    const queue = await app.fan('oStaffLate').sendText('/queue');
    expect(text(queue)).toContain('已转微信客服（');
    expect(text(queue)).toMatch(
      new RegExp(`#${shortId} 粉丝 oFanNoStaff — 已转微信客服，尚无客服接入，可 /take 接回，自 \\d\\d-\\d\\d \\d\\d:\\d\\d 起（12 分钟）`),
    );
    expect(text(queue)).toContain(`发送 /take 编号（接入）接待，例如 /take ${shortId}`);
  });

  it('can be taken back by a staff member who came online; the fan is then relayed to them, not to WeChat', async () => {
    expect((await app.fan('oFanTakeBack').sendText('人工')).reply?.['MsgType']).toBe('transfer_customer_service');
    expect((await app.fan('oFanTakeBack').sendText('在吗')).reply?.['MsgType']).toBe('transfer_customer_service');
    const { shortId } = (await handoffOf('oFanTakeBack'))!;
    const taken = await app.fan('oStaffLate').sendText(`/take ${shortId}`);
    expect(text(taken)).toContain(`已接入 #${shortId}`);
    expect(text(taken)).toContain('在吗');
    expect(await handoffOf('oFanTakeBack')).toMatchObject({ status: 'held', mode: 'staff', staffOpenId: 'oStaffLate' });
    expect(deliveredTo(app.fake, 'oFanTakeBack').at(-1)).toContain('店员已接入');

    const fanSays = await app.fan('oFanTakeBack').sendText('我的快递三天没动了');
    expect(fanSays.reply).toBeNull();
    expect(deliveredTo(app.fake, 'oStaffLate').at(-1)).toBe(`[#${shortId}] 粉丝：我的快递三天没动了`);
    await app.fan('oStaffLate').sendText('我帮您查一下');
    expect(deliveredTo(app.fake, 'oFanTakeBack').at(-1)).toBe('我帮您查一下');

    const other = await app.fan('oStaffOther').sendText(`/take ${shortId}`);
    expect(text(other)).toContain(`#${shortId} 已被`);
  });

  it('held by a WeChat customer-service agent: listed with the agent, and /take says it is theirs', async () => {
    await app.fan('oFanWithKf').sendText('人工');
    const { shortId } = (await handoffOf('oFanWithKf'))!;
    await app.fan('oFanWithKf').event('kf_create_session', { KfAccount: 'anna@shopwx' });
    const queue = await app.fan('oStaffOther').sendText('/queue');
    expect(text(queue)).toContain(`#${shortId} 粉丝 oFanWithKf — 微信客服 anna@shopwx 接待中，自 `);
    const take = await app.fan('oStaffOther').sendText(`/take ${shortId}`);
    expect(text(take)).toBe(`#${shortId} 正由微信客服 anna@shopwx 接待中，请在微信客服工具里接待或结束会话。`);
    expect(await handoffOf('oFanWithKf')).toMatchObject({ status: 'held', mode: 'native', kfAccount: 'anna@shopwx' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthKeyIn } from '../../src/broadcast/zoned-time.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { askAs, fanDoc } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
const ADMIN = 'oAdminCmds';
const now = new Date();
const month = monthKeyIn(now, 'Asia/Shanghai');

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, env: { ADMIN_OPENIDS: ADMIN, FANHOOK_TIMEZONE: 'Asia/Shanghai' } });
  await getFanModel(app.connection).insertMany([
    fanDoc(ADMIN, now),
    fanDoc('oCard', now, {
      source: 'store_hz',
      attributes: { size: 'L' },
      tags: [{ name: 'vip', source: 'rule', ruleId: 'big_spender', at: now }],
      csWindow: { messageAt: new Date(now.getTime() - 3_600_000), messageUsed: 2, triggerUsed: 0 },
      massPushes: { month, count: 1 },
    }),
    fanDoc('oNew', now, { subscribedAt: new Date(now.getTime() - 86_400_000), massPushes: { month, count: 4 } }),
    fanDoc('oLeft', now, { subscribed: false }),
  ]);
});
afterAll(async () => {
  await app?.close();
});

describe('admin commands', () => {
  it('/stats counts fans, new follows, activity and pushes', async () => {
    const text = await askAs(app, ADMIN, '/统计');
    expect(text).toContain('粉丝总数：4（已关注 3，已取关 1）');
    expect(text).toContain('近 7 天新关注：1');
    expect(text).toContain('本月群发触达：5 人次，覆盖 2 人；额度已满：1 人');
    expect(text).toContain('今日群发调用：0/100');
  });

  it('/fan shows the card with the reason of each tag and the window', async () => {
    const text = await askAs(app, ADMIN, '/fan oCard');
    expect(text).toContain('来源：store_hz');
    expect(text).toContain('客服消息窗口：开放，48 小时内还可发 3 条');
    expect(text).toMatch(/· vip（规则 big_spender，/);
    expect(text).toContain('属性：size=L');
    expect(text).toContain('本月已收群发：1/4');
  });

  it('/tag adds and removes by hand, recorded as manual by the admin; /tags counts', async () => {
    expect(await askAs(app, ADMIN, '/tag oCard +新品控 -vip')).toContain('加上 新品控，去掉 vip');
    const fan = await getFanModel(app.connection).findOne({ openId: 'oCard' }).lean();
    expect(fan?.tags).toEqual([expect.objectContaining({ name: '新品控', source: 'manual', by: ADMIN })]);
    expect(await askAs(app, ADMIN, '/tags')).toContain('· 新品控：1');
    expect(await askAs(app, ADMIN, '/tag oCard vip')).toContain('用法：/tag');
  });

  it('/grant gives a role that works at once, /revoke takes it back', async () => {
    expect(await askAs(app, ADMIN, '/grant oNew staff')).toContain('已授予 oNew 客服角色');
    expect(await askAs(app, 'oNew', '/fan oCard')).toContain('粉丝 oCard');
    expect(await askAs(app, 'oNew', '/broadcast all | x')).toContain('没有权限');
    expect(await askAs(app, ADMIN, '/revoke oNew')).toContain('已撤销');
    expect(await askAs(app, ADMIN, `/revoke ${ADMIN}`)).toContain('不能在聊天中撤销');
  });
});

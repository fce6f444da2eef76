import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastModel } from '../../src/broadcast/broadcast-model.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { getNoticeSendModel } from '../../src/notices/notice-send-model.js';
import { askAs, fanDoc, waitForBroadcast } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
const ADMIN = 'oNoticeAdmin';
const now = new Date();

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, env: { ADMIN_OPENIDS: ADMIN, FANHOOK_NOTICES_PER_DAY: '6' }, startJobs: true });
  app.fake.setCallback({ url: app.callbackUrl, token: 'fanhooktesttoken' });
  const tag = (name: string) => [{ name, source: 'manual' as const, at: now }];
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  await getFanModel(app.connection).insertMany([
    fanDoc(ADMIN, now),
    // At the monthly mass limit and outside the window: a notice still reaches them.
    fanDoc('oMember1', now, { tags: tag('会员'), massPushes: { month, count: 4, lastAt: now } }),
    fanDoc('oMember2', now, { tags: tag('会员') }),
    fanDoc('oMemberBlocks', now, { tags: tag('会员') }),
    fanDoc('oMemberGone', now, { tags: tag('会员'), subscribed: false }),
    fanDoc('oBig1', now, { tags: tag('大客户') }),
    fanDoc('oBig2', now, { tags: tag('大客户') }),
    fanDoc('oBig3', now, { tags: tag('大客户') }),
    fanDoc('oBig4', now, { tags: tag('大客户') }),
    fanDoc('oBig5', now, { tags: tag('大客户') }),
  ]);
  app.fake.setFan('oMemberBlocks', { blocksNotices: true });
});
afterAll(async () => {
  await app?.close();
});

/** Sets today's count of the daily template limit (Asia/Shanghai), so each test starts from a known use. */
async function setNoticesUsedToday(used: number): Promise<void> {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  await app.connection
    .collection<{ _id: string; used: number }>('notice_days')
    .updateOne({ _id: day }, { $set: { used } }, { upsert: true });
}

const draftNumberIn = (text: string): number => Number(/草稿 #(\d+)/.exec(text)?.[1]);
const noticesTo = (openId: string) => app.fake.messagesFor(openId).filter((m) => m.via === 'notice');

describe('/broadcast <expr> | notice:<name>', () => {
  it('previews to the admin with the service-not-marketing warning, then sends notices past the quota and the window, and /report shows WeChat’s results', async () => {
    await setNoticesUsedToday(0);
    await app.fan(ADMIN).sendText('你好');
    const preview = await askAs(app, ADMIN, '/broadcast tag:会员 | notice:memberBenefit');
    expect(preview).toContain('（服务通知）');
    expect(preview).toContain('目标粉丝：3 人，全部以服务通知发送，不占每月 4 次群发额度');
    expect(preview).toContain('不能用于营销推广');
    expect(preview).toMatch(/今日服务通知：已用 1 \/ 6 条/);
    expect(noticesTo(ADMIN)).toHaveLength(1);
    const number = draftNumberIn(preview);
    expect(noticesTo('oMember1')).toEqual([]);

    expect(await askAs(app, ADMIN, `/confirm ${number}`)).toContain('开始发送');
    await waitForBroadcast(app.connection, number, 'finished');
    expect(noticesTo('oMember1')[0]?.body).toEqual({
      template_id: 'Xg3V8mJx2fK9qLw0Rt5yZb7nC4pE1sDa6uHiOkTgWv0',
      data: { thing1: { value: '小满衣橱会员' }, thing2: { value: '本月生日券已发放，请在会员中心查看' } },
    });
    expect(noticesTo('oMember2')).toHaveLength(1);
    expect(noticesTo('oMemberGone')).toEqual([]);
    expect(app.fake.massJobs()).toEqual([]);
    await expect
      .poll(() => getNoticeSendModel(app.connection).countDocuments({ broadcast: number, result: { $exists: true } }), { timeout: 5_000 })
      .toBe(3);
    const report = await askAs(app, ADMIN, `/report ${number}`);
    expect(report).toContain('服务通知：已发出 3 人，微信拒绝 0 人（不占每月群发额度）');
    expect(report).toContain('通知回执：送达 2，用户拒收（user block）1，系统失败（system failed）0，等待回执 0');
  });

  it('answers an unknown notice name with the names it knows and makes no draft', async () => {
    const before = await getBroadcastModel(app.connection).countDocuments();
    const answer = await askAs(app, ADMIN, '/broadcast tag:会员 | notice:双十一大促');
    expect(answer).toContain('服务通知「双十一大促」不存在，可用：consultReply、memberBenefit');
    expect(await getBroadcastModel(app.connection).countDocuments()).toBe(before);
  });

  it('makes no draft when WeChat refuses the template id (40037), and says so', async () => {
    const before = await getBroadcastModel(app.connection).countDocuments();
    app.fake.setTemplates(['ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY']);
    try {
      const answer = await askAs(app, ADMIN, '/broadcast tag:会员 | notice:memberBenefit');
      expect(answer).toContain('❌ 预览通知未能发出，草稿未创建：微信拒绝（40037）：模板 ID 无效');
      expect(await getBroadcastModel(app.connection).countDocuments()).toBe(before);
    } finally {
      app.fake.setTemplates(null);
    }
  });

  it('counts the daily template limit: what is over it waits for tomorrow instead of failing', async () => {
    await setNoticesUsedToday(3);
    await app.fan(ADMIN).sendText('你好');
    const preview = await askAs(app, ADMIN, '/broadcast tag:大客户 | notice:memberBenefit');
    expect(preview).toContain('今日服务通知：已用 4 / 6 条；本次超出今日剩余的 3 条将在明天继续发送');
    const number = draftNumberIn(preview);
    await askAs(app, ADMIN, `/confirm ${number}`);
    const big = ['oBig1', 'oBig2', 'oBig3', 'oBig4', 'oBig5'];
    await expect.poll(() => big.filter((id) => noticesTo(id).length > 0).length, { timeout: 10_000 }).toBe(2);
    const broadcast = await getBroadcastModel(app.connection).findOne({ number }).lean();
    expect(broadcast?.state).toBe('sending');
    const report = await askAs(app, ADMIN, `/report ${number}`);
    expect(report).toContain('服务通知：已发出 2 人，微信拒绝 0 人，未发 3 人');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAuditModel } from '../../src/admin/audit-log-model.js';
import { getBroadcastModel } from '../../src/broadcast/broadcast-model.js';
import { monthKeyIn } from '../../src/broadcast/zoned-time.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { batchesOf, fanDoc, finishAllMassJobs, waitForBroadcast } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();
let app: Harness;
const ADMIN = 'oAdminFlow';
const now = new Date();
const month = monthKeyIn(now, 'Asia/Shanghai');

const textOf = (reply: Record<string, unknown> | null): string => String(reply?.['Content'] ?? '');
const customTexts = (openId: string): string[] =>
  app.fake.customMessagesFor(openId).map((m) => String((m as { text?: { content?: string } }).text?.content ?? ''));

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, env: { ADMIN_OPENIDS: ADMIN }, startJobs: true });
  const vip = [{ name: 'vip', source: 'rule' as const, ruleId: 'big_spender', at: now }];
  await getFanModel(app.connection).insertMany([
    fanDoc(ADMIN, now),
    fanDoc('oVipMass1', now, { tags: vip }),
    fanDoc('oVipMass2', now, { tags: vip }),
    fanDoc('oVipMass3', now, { tags: vip, attributes: { size: 'L' } }),
    // Wrote an hour ago: inside the 48-hour window with all 5 messages left.
    fanDoc('oVipWindow', now, { tags: vip, csWindow: { messageAt: new Date(now.getTime() - 3_600_000), messageUsed: 0, triggerUsed: 0 } }),
    fanDoc('oVipFull', now, { tags: vip, massPushes: { month, count: 4, lastAt: now } }),
    fanDoc('oVipGone', now, { tags: vip, subscribed: false }),
    fanDoc('oPlain', now),
  ]);
});
afterAll(async () => {
  await app?.close();
});

describe('the merchant runs a segment broadcast from their own WeChat', () => {
  it('answers /segment with count, reachable, quota-excluded and samples', async () => {
    await app.fan(ADMIN).sendText('你好');
    const { reply } = await app.fan(ADMIN).sendText('/segment tag:vip');
    const text = textOf(reply);
    expect(text).toContain('符合条件：5 人');
    expect(text).toContain('可送达：4 人');
    expect(text).toContain('客服消息（48 小时内互动过，不占群发额度）：1 人');
    expect(text).toContain('群发：3 人，需 1 次群发调用');
    expect(text).toContain('本月群发额度已满而排除：1 人');
    expect(text).toMatch(/示例：\n· oVip/);
  });

  it('answers /segment of an expression nobody matches with zeros, not an error', async () => {
    const { reply } = await app.fan(ADMIN).sendText('/segment tag:没有人有的标签');
    const text = textOf(reply);
    expect(text).toContain('符合条件：0 人');
    expect(text).toContain('可送达：0 人');
    expect(text).not.toContain('示例');
  });

  it('points at the wrong character of a bad expression', async () => {
    const { reply } = await app.fan(ADMIN).sendText('/人群 tag:vip OR (source:x');
    expect(textOf(reply)).toContain('第 21 个字符处');
    expect(textOf(reply)).toContain('缺少右括号');
  });

  it('makes a draft, previews it to the admin, and sends nothing to fans before /confirm', async () => {
    const { reply } = await app.fan(ADMIN).sendText('/broadcast tag:vip | 周末上新，会员全场 8 折');
    const text = textOf(reply);
    expect(text).toContain('草稿 #1 已创建');
    expect(text).toContain('需 1 次群发调用');
    expect(text).toContain('/confirm 1');
    const preview = app.fake.callsTo('/cgi-bin/message/mass/preview');
    expect(preview).toHaveLength(1);
    expect(preview[0]?.body).toMatchObject({ touser: ADMIN, msgtype: 'text', text: { content: '周末上新，会员全场 8 折' } });
    expect(app.fake.massJobs()).toHaveLength(0);
    expect(app.fake.customMessagesFor('oVipWindow')).toHaveLength(0);
  });

  it('sends on /confirm: customer-service to the fan in the window, one mass call for the rest, nobody at the limit', async () => {
    const { reply } = await app.fan(ADMIN).sendText('/确认 #1');
    expect(textOf(reply)).toContain('#1 开始发送');
    await waitForBroadcast(app.connection, 1, 'sent');
    const [job] = app.fake.massJobs();
    expect(app.fake.massJobs()).toHaveLength(1);
    expect([...(job?.openIds ?? [])].sort()).toEqual(['oVipMass1', 'oVipMass2', 'oVipMass3']);
    expect(job?.clientMsgId).toMatch(/^fh-[0-9a-f]{24}-1$/);
    expect(customTexts('oVipWindow')).toEqual(['周末上新，会员全场 8 折']);
    const fans = await getFanModel(app.connection)
      .find({ openId: { $in: ['oVipMass1', 'oVipWindow', 'oVipFull'] } })
      .lean();
    const pushes = Object.fromEntries(fans.map((f) => [f.openId, f.massPushes.count]));
    // Customer-service messages do not count against the monthly quota.
    expect(pushes).toEqual({ oVipMass1: 1, oVipWindow: 0, oVipFull: 4 });
    expect(fans.find((f) => f.openId === 'oVipWindow')?.csWindow.messageUsed).toBe(1);
  });

  it('matches MASSSENDJOBFINISH to the batch and reports to the admin who confirmed', async () => {
    await finishAllMassJobs(app);
    const done = await waitForBroadcast(app.connection, 1, 'finished');
    expect(done?.results).toMatchObject({ customerSent: 1, massTotal: 3, massSent: 3 });
    const [, batch] = await batchesOf(app.connection, 1);
    expect(batch?.finish).toMatchObject({ status: 'send success', sentCount: 3 });
    const report = await waitFor(
      () => customTexts(ADMIN).find((t) => t.startsWith('群发 #1 报告')),
      (t) => t !== undefined,
    );
    expect(report).toContain('客服消息：送达 1 人');
    expect(report).toContain('群发结果：提交 3 人，发送成功 3');
    expect(report).toContain('本月群发额度已满而排除：1 人');
  });

  it('shows the report again with /report', async () => {
    const { reply } = await app.fan(ADMIN).sendText('/report 1');
    expect(textOf(reply)).toContain('状态：已完成');
  });

  it('cancels a draft, after which it cannot be confirmed', async () => {
    await app.fan(ADMIN).sendText('/broadcast source:nowhere | hi');
    expect(textOf((await app.fan(ADMIN).sendText('/cancel 2')).reply)).toContain('#2 已取消');
    expect(textOf((await app.fan(ADMIN).sendText('/confirm 2')).reply)).toContain('不是待确认的草稿');
    expect((await getBroadcastModel(app.connection).findOne({ number: 2 }).lean())?.state).toBe('cancelled');
  });

  it('gives usage for malformed commands and writes every admin action to the audit log', async () => {
    expect(textOf((await app.fan(ADMIN).sendText('/broadcast tag:vip')).reply)).toContain('用法：/broadcast');
    expect(textOf((await app.fan(ADMIN).sendText('/confirm')).reply)).toContain('用法：/confirm');
    const audit = await getAuditModel(app.connection).find({ openId: ADMIN }).sort({ at: 1 }).lean();
    expect(audit.map((a) => `${a.command}:${a.outcome}`)).toEqual(
      expect.arrayContaining(['segment:ok', 'broadcast:ok', '确认:ok', 'cancel:ok', 'broadcast:usage', 'confirm:usage']),
    );
  });

  it('treats a fan who types a command as a fan', async () => {
    const { reply } = await app.fan('oPlain').sendText('/broadcast all | 免费领奖');
    expect(textOf(reply)).not.toContain('草稿');
    expect(await getBroadcastModel(app.connection).countDocuments({})).toBe(2);
  });
});

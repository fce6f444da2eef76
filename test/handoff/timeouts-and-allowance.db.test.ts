import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { EXPIRE_HANDOFFS_JOB } from '../../src/jobs/expire-handoffs.js';
import { ManualClock } from '../../src/lib/clock.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { deliveredTo, MONDAY_11_SHANGHAI } from './helpers.js';

const db = useTestDb();
let app: Harness;
const clock = new ManualClock(MONDAY_11_SHANGHAI);
const MINUTE = 60_000;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, clock, startJobs: true, env: { STAFF_OPENIDS: 'oStaffCleo' } });
  await app.fan('oStaffCleo').sendText('/queue');
});
afterAll(async () => {
  await app?.close();
});

const handoffOf = (openId: string) => getHandoffModel(app.connection).findOne({ openId }).sort({ createdAt: -1 }).lean();
/** Runs the timeout job through Agenda and waits until it has finished. */
async function runTimeoutJob(): Promise<void> {
  const job = await app.fanhook.agenda.now(EXPIRE_HANDOFFS_JOB);
  const id = job.attrs._id;
  await waitFor(
    async () => (await app.fanhook.agenda.queryJobs({ id: String(id) })).jobs[0],
    (j) => Boolean(j?.lastFinishedAt),
  );
}
const open = async (openId: string): Promise<string> => {
  await app.fan(openId).sendText('转人工');
  return (await handoffOf(openId))!.shortId;
};

describe('timeouts on Agenda (injected clock)', () => {
  it('reminds staff and tells the fan once when nobody takes a chat within the configured minutes', async () => {
    const shortId = await open('oFanWaiting');
    clock.advance(9 * MINUTE);
    await runTimeoutJob();
    expect(deliveredTo(app.fake, 'oFanWaiting')).toHaveLength(0);
    clock.advance(2 * MINUTE);
    await runTimeoutJob();
    expect(deliveredTo(app.fake, 'oFanWaiting')).toEqual([expect.stringContaining('久等')]);
    expect(deliveredTo(app.fake, 'oStaffCleo').at(-1)).toContain(`#${shortId}（粉丝 oFanWaiting）已等待 11 分钟无人接入`);
    await runTimeoutJob();
    expect(deliveredTo(app.fake, 'oFanWaiting')).toHaveLength(1);
  });

  it('closes a held chat idle for the configured minutes, with a note to both, and the bot resumes', async () => {
    const shortId = await open('oFanIdle');
    await app.fan('oStaffCleo').sendText(`/take ${shortId}`);
    clock.advance(29 * MINUTE);
    await runTimeoutJob();
    expect((await handoffOf('oFanIdle'))?.status).toBe('held');
    clock.advance(2 * MINUTE);
    await runTimeoutJob();
    expect(await handoffOf('oFanIdle')).toMatchObject({ status: 'closed', closeReason: 'idle' });
    expect(deliveredTo(app.fake, 'oFanIdle').at(-1)).toContain('自动结束');
    expect(deliveredTo(app.fake, 'oStaffCleo').at(-1)).toContain(`#${shortId}（粉丝 oFanIdle）长时间无消息，已自动结束`);
    expect((await app.fan('oFanIdle').sendText('你好')).reply?.['MsgType']).toBe('text');
  });
});

describe('the customer-service allowance', () => {
  it("warns staff before the fan's allowance runs out, then sends the next answer as a service notice instead of losing it", async () => {
    const shortId = await open('oFanChatty');
    await app.fan('oStaffCleo').sendText(`/take ${shortId}`); // the fan's greeting uses 1 of 5
    const say = async (text: string) => String((await app.fan('oStaffCleo').sendText(text)).reply?.['Content'] ?? '');
    expect(await say('您好')).toBe('');
    expect(await say('请问需要什么尺码')).toBe('');
    expect(await say('我们有S到XL')).toContain('只能再发送 1 条');
    expect(await say('M码最受欢迎')).toContain('已无法');
    expect(await say('还在吗')).toContain('已改为服务通知「consultReply」发出');
    expect(deliveredTo(app.fake, 'oFanChatty')).not.toContain('还在吗');
    const notices = app.fake.messagesFor('oFanChatty').filter((m) => m.via === 'notice');
    expect(JSON.stringify(notices.at(-1)?.body)).toContain('您的咨询有新回复：还在吗');
    const line = (await handoffOf('oFanChatty'))!.transcript.at(-1);
    expect(line).toMatchObject({ from: 'staff', kind: 'notice', text: '[服务通知] 还在吗', delivered: true });
  });

  it('answers 45047 and 45015 from WeChat with the service notice, and reports 45015 when the notice is refused too', async () => {
    await app.fan('oFanChatty').sendText('在的'); // a new fan message: 5 more
    app.fake.failNext('/cgi-bin/message/custom/send', 45047);
    const count = await app.fan('oStaffCleo').sendText('好的');
    expect(String(count.reply?.['Content'])).toContain('已改为服务通知');
    await app.fan('oFanChatty').sendText('在的');
    app.fake.failNext('/cgi-bin/message/custom/send', 45015);
    app.fake.failNext('/cgi-bin/message/template/send', 43101);
    const window = await app.fan('oStaffCleo').sendText('好的');
    expect(String(window.reply?.['Content'])).toContain('45015');
    expect(String(window.reply?.['Content'])).toContain('改用服务通知也未成功：微信拒绝（43101）');
    await app.fan('oStaffCleo').sendText('/end');
  });

  it('tells staff their own allowance is about to end, and records fan messages they could not receive', async () => {
    const shortId = await open('oFanTalker');
    await app.fan('oStaffCleo').sendText(`/take ${shortId}`); // Cleo's own 5
    for (const text of ['一', '二', '三', '四']) {
      await app.fan('oFanTalker').sendText(text);
    }
    const toCleo = deliveredTo(app.fake, 'oStaffCleo');
    expect(toCleo.at(-2)).toBe(`[#${shortId}] 粉丝：四`);
    expect(toCleo.at(-1)).toContain('额度只剩这一条');
    await app.fan('oFanTalker').sendText('五');
    expect(deliveredTo(app.fake, 'oStaffCleo')).toHaveLength(toCleo.length);
    expect((await handoffOf('oFanTalker'))!.transcript.at(-1)).toMatchObject({ from: 'fan', text: '五', delivered: false });
    expect(app.logs.some((l) => l.includes('outside their own 48-hour window'))).toBe(true);
    // Writing anything refreshes Cleo's window; /queue also shows what she missed, once.
    const queue = String((await app.fan('oStaffCleo').sendText('/queue')).reply?.['Content']);
    expect(queue).toContain(`#${shortId} 未能转给您的粉丝消息：\n· 五`);
    expect(String((await app.fan('oStaffCleo').sendText('/queue')).reply?.['Content'])).not.toContain('未能转给您');
    await app.fan('oFanTalker').sendText('六');
    expect(deliveredTo(app.fake, 'oStaffCleo').at(-1)).toBe(`[#${shortId}] 粉丝：六`);
  });
});

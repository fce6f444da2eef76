import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { getNoticeSendModel } from '../../src/notices/notice-send-model.js';
import { deliveredTo, MONDAY_11_SHANGHAI } from '../handoff/helpers.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
const clock = new ManualClock(MONDAY_11_SHANGHAI);
const HOUR = 3_600_000;

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    clock,
    env: { STAFF_OPENIDS: 'oNoticeStaff1,oNoticeStaff2,oNoticeStaff3,oNoticeStaff4,oNoticeStaff5' },
  });
  // WeChat pushes TEMPLATESENDJOBFINISH to this instance's callback.
  app.fake.setCallback({ url: app.callbackUrl, token: 'fanhooktesttoken' });
});
afterAll(async () => {
  await app?.close();
});

/** A fan who asked for a person; `staffOpenId` took the chat. Returns the chat's short id. */
async function takenChat(fanOpenId: string, staffOpenId: string): Promise<string> {
  // The staff member wrote to the account just now, so handoff notices can reach them.
  await app.fan(staffOpenId).sendText('/queue');
  await app.fan(fanOpenId).sendText('人工');
  const handoff = await getHandoffModel(app.connection).findOne({ openId: fanOpenId, status: 'queued' }).lean();
  await app.fan(staffOpenId).sendText(`/take ${handoff!.shortId}`);
  return handoff!.shortId;
}

const noticesTo = (openId: string) =>
  app.fake
    .messagesFor(openId)
    .filter((m) => m.via === 'notice')
    .map((m) => m.body);

describe('a staff reply to a fan outside the 48-hour window', () => {
  it('arrives as the staffReply notice, the staff member is told, and WeChat’s delivery result is recorded', async () => {
    const shortId = await takenChat('oNoticeFan1', 'oNoticeStaff1');
    clock.advance(49 * HOUR);
    const answer = await app.fan('oNoticeStaff1').sendText('有的，M码明天到货，给您留一件？');
    // The first line is the passive answer, the cut-field warning follows by customer-service message.
    const told = [String(answer.reply?.['Content']), ...deliveredTo(app.fake, 'oNoticeStaff1')].join('\n');
    expect(told).toContain(`📨 #${shortId} 粉丝已无法接收客服消息`);
    expect(told).toContain('服务通知「consultReply」');
    expect(told).toContain('字段 thing2 超过 20 字，已截断为「您的咨询有新回复：有的，M码明天到货，…」');
    expect(noticesTo('oNoticeFan1')).toEqual([
      {
        template_id: 'ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY',
        data: { thing1: { value: '小满衣橱客服' }, thing2: { value: '您的咨询有新回复：有的，M码明天到货，…' } },
      },
    ]);
    expect(app.fake.customMessagesFor('oNoticeFan1').map((m) => JSON.stringify(m))).not.toContain('明天到货');
    await expect
      .poll(() => getNoticeSendModel(app.connection).findOne({ openId: 'oNoticeFan1' }).lean(), { timeout: 5_000 })
      .toMatchObject({ handoff: shortId, notice: 'consultReply', result: 'delivered', status: 'success' });
    const handoff = await getHandoffModel(app.connection).findOne({ shortId }).lean();
    expect(handoff?.transcript.at(-1)).toMatchObject({
      from: 'staff',
      kind: 'notice',
      delivered: true,
      text: '[服务通知] 有的，M码明天到货，给您留一件？',
    });
  });

  it('sends one notice per silence: a second reply before the fan writes again is held back and the staff member told', async () => {
    await takenChat('oNoticeFan5', 'oNoticeStaff5');
    clock.advance(49 * HOUR);
    await app.fan('oNoticeStaff5').sendText('您好，M码有货');
    const second = await app.fan('oNoticeStaff5').sendText('还需要别的吗？');
    expect(String(second.reply?.['Content'])).toContain('本次咨询已发过一条服务通知，粉丝回复前不再重复发送');
    expect(noticesTo('oNoticeFan5')).toHaveLength(1);
    await app.fan('oNoticeFan5').sendText('需要L码');
    clock.advance(49 * HOUR);
    const later = await app.fan('oNoticeStaff5').sendText('L码明天到');
    expect(String(later.reply?.['Content'])).toContain('已改为服务通知');
    expect(noticesTo('oNoticeFan5')).toHaveLength(2);
  });

  it('also goes as a notice when WeChat itself answers 45015 although fanhook counted the window open', async () => {
    await takenChat('oNoticeFan2', 'oNoticeStaff2');
    app.fake.failNext('/cgi-bin/message/custom/send', 45015);
    const answer = await app.fan('oNoticeStaff2').sendText('已经帮您登记了');
    expect(String(answer.reply?.['Content'])).toContain('已改为服务通知「consultReply」发出');
    expect(noticesTo('oNoticeFan2')).toHaveLength(1);
  });

  it('tells the staff member both refusals when WeChat refuses the template id (40037), and sends nothing', async () => {
    await takenChat('oNoticeFan3', 'oNoticeStaff3');
    clock.advance(49 * HOUR);
    app.fake.setTemplates(['SomeOtherTemplate000001']);
    try {
      const answer = await app.fan('oNoticeStaff3').sendText('您好，还在吗？');
      expect(String(answer.reply?.['Content'])).toContain('❌ 未送达');
      expect(String(answer.reply?.['Content'])).toContain('改用服务通知也未成功：微信拒绝（40037）：模板 ID 无效');
      expect(noticesTo('oNoticeFan3')).toEqual([]);
    } finally {
      app.fake.setTemplates(null);
    }
  });

  it('sends no notice when the refusal was not the window (the fan stays in reach, the error is shown)', async () => {
    await takenChat('oNoticeFan4', 'oNoticeStaff4');
    app.fake.failNext('/cgi-bin/message/custom/send', 40003);
    const answer = await app.fan('oNoticeStaff4').sendText('在的');
    expect(String(answer.reply?.['Content'])).toContain('❌ 未送达');
    expect(String(answer.reply?.['Content'])).not.toContain('服务通知');
    expect(noticesTo('oNoticeFan4')).toEqual([]);
  });
});

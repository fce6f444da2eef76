import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
});
afterAll(async () => {
  await app?.close();
});

const load = (openId: string) => getFanModel(app.connection).findOne({ openId }).lean();
const content = (result: { reply: Record<string, unknown> | null }) => String(result.reply?.['Content'] ?? '');
const tagOf = async (openId: string, name: string) => (await load(openId))?.tags.find((tag) => tag.name === name);

describe('a fan from the Hangzhou store QR code to a known customer', () => {
  const openId = 'oJourneyHz';

  it('follows via the store QR: store welcome, source, and tags with the rules that set them', async () => {
    const result = await app.fan(openId).follow('store_hz');
    expect(content(result)).toContain('杭州湖滨店');
    const fan = await load(openId);
    expect(fan).toMatchObject({
      subscribed: true,
      source: 'store_hz',
      firstSource: 'store_hz',
      followCount: 1,
      activity: 'new',
      attributes: { store: '杭州湖滨店' },
    });
    expect(fan?.subscriptionHistory).toEqual([expect.objectContaining({ event: 'subscribe', scene: 'store_hz' })]);
    expect(fan?.tags.map((t) => [t.name, t.ruleId])).toEqual(
      expect.arrayContaining([
        ['杭州门店', 'source-store-hz'],
        ['新粉', 'tier-new'],
      ]),
    );
    expect(fan?.tagsDirty).toBe(true);
  });

  it('clicks 新品: gets the new arrivals and, once, the size question in the same message', async () => {
    const result = await app.fan(openId).click('NEW');
    expect(content(result)).toContain('本周上新');
    expect(content(result)).toContain('您平时穿什么尺码');
    const fan = await load(openId);
    expect(fan?.menuClicks).toEqual({ NEW: 1 });
    expect(fan?.pendingQuestion).toMatchObject({ key: 'size', attempts: 0 });
  });

  it('then clicks 尺码: the path NEW>SIZE is counted and tagged, and no second question is asked', async () => {
    const result = await app.fan(openId).click('SIZE');
    expect(content(result)).toContain('尺码参考');
    expect(content(result)).not.toContain('色系');
    const fan = await load(openId);
    expect(fan?.menuPaths).toEqual({ 'NEW>SIZE': 1 });
    expect(await tagOf(openId, '尺码纠结')).toMatchObject({ source: 'rule', ruleId: 'size-after-new' });
  });

  it('answers the question in its own words: stored as an attribute, thanked, and tagged at once', async () => {
    const result = await app.fan(openId).sendText('我一般穿XL码');
    expect(content(result)).toContain('您穿 XL 码');
    const fan = await load(openId);
    expect(fan?.attributes['size']).toBe('XL');
    expect(fan?.pendingQuestion).toBeUndefined();
    expect(await tagOf(openId, '大码')).toMatchObject({ ruleId: 'plus-size' });
  });

  it('shares a location in Hangzhou: last location with the province derived offline', async () => {
    await app.fan(openId).location(30.2741, 120.1551, '杭州市西湖区');
    const fan = await load(openId);
    expect(fan?.location).toMatchObject({ latitude: 30.2741, longitude: 120.1551, label: '杭州市西湖区', region: '浙江' });
    expect(await tagOf(openId, '浙江')).toMatchObject({ ruleId: 'zhejiang-location' });
  });

  it('asks about skincare: keyword reply, interest counted, tag from the keyword rule', async () => {
    const result = await app.fan(openId).sendText('你们有保湿面霜吗？');
    expect(content(result)).toContain('护肤专区');
    const fan = await load(openId);
    expect(fan?.interests).toMatchObject({ 护肤: 1 });
    expect(fan?.counts).toMatchObject({ subscribe: 1, menu_click: 2, text: 2, location: 1 });
    expect(await tagOf(openId, '护肤')).toMatchObject({ ruleId: 'skincare-words' });
  });

  it('counts a question the bot cannot answer, marks it, and resets the streak on a real answer', async () => {
    const missed = await app.fan(openId).sendText('你们老板是哪里人？');
    expect(content(missed)).toContain('抱歉');
    expect((await load(openId))?.unansweredStreak).toBe(1);
    await app.fan(openId).sendText('那包邮吗');
    expect((await load(openId))?.unansweredStreak).toBe(0);
  });
});

describe('profile questions', () => {
  it('re-asks with a hint after a non-answer, then accepts 跳过 and never asks again', async () => {
    const fan = app.fan('oSkipsSize');
    expect(content(await fan.click('NEW'))).toContain('尺码');
    expect(content(await fan.sendText('随便啦'))).toContain('请回复 S、M、L 或 XL');
    expect(content(await fan.sendText('跳过'))).toContain('不问啦');
    const stored = await load('oSkipsSize');
    expect(stored?.skippedQuestions).toEqual(['size']);
    expect(stored?.pendingQuestion).toBeUndefined();
  });

  it('stores a birthday as MM-DD and lets a keyword question through instead of nagging', async () => {
    const fan = app.fan('oBirthday');
    expect(content(await fan.click('MEMBER'))).toContain('生日是哪天');
    expect(content(await fan.sendText('5月20日'))).toContain('05-20');
    expect((await load('oBirthday'))?.attributes).toMatchObject({ birthday: '05-20' });
    expect(await tagOf('oBirthday', '生日已知')).toMatchObject({ ruleId: 'birthday-known' });
  });

  it('drops a pending question when the fan asks something the bot knows instead', async () => {
    const fan = app.fan('oChangesTopic');
    await fan.click('NEW');
    const result = await fan.sendText('门店地址在哪');
    expect(content(result)).toContain('东坡路');
    expect((await load('oChangesTopic'))?.pendingQuestion).toBeUndefined();
  });
});

describe('concurrency', () => {
  it('loses no count when one fan sends 50 messages at once', async () => {
    const fan = app.fan('oFloods');
    await fan.follow();
    const results = await Promise.all(Array.from({ length: 50 }, () => fan.sendText('谢谢')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const stored = await load('oFloods');
    expect(stored?.counts['text']).toBe(50);
    const today = String(Math.floor(Date.now() / 86_400_000));
    expect(stored?.daily[today]?.['text']).toBe(50);
    expect(stored?.unansweredStreak).toBe(0);
  });

  it('does not lose a fan who floods 50 questions the bot cannot answer: counted, and stuck or handed over', async () => {
    const fan = app.fan('oFloodsMisses');
    await Promise.all(Array.from({ length: 50 }, (_, i) => fan.sendText(`第${i}个奇怪的问题`)));
    // On a loaded machine a message can outlive the reply deadline: WeChat then gets "success"
    // while the message is still being stored, so wait for all 50 to land.
    await expect.poll(async () => (await load('oFloodsMisses'))?.counts['text'], { timeout: 20_000 }).toBe(50);
    const stored = await load('oFloodsMisses');
    // Which message sees the streak first depends on timing: either the misses are still being
    // counted, or two in a row already handed the fan to a person (which resets the streak).
    const handedOver = await app.connection.collection('handoffs').countDocuments({ openId: 'oFloodsMisses' });
    expect((stored?.unansweredStreak ?? 0) >= 1 || handedOver === 1).toBe(true);
  });
});

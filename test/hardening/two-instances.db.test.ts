/**
 * Two fanhook instances on one database behind one WeChat account (scale-out, SPEC.md §11):
 * a message WeChat delivers to both (a retry landing on the other instance) is processed
 * once and both answers carry the same reply; a fan's profile stays whole whichever
 * instance each of their messages reaches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signQuery } from '../../src/wechat/signature.js';
import { cdata } from '../../src/wechat/reply-xml.js';
import { useTestDb } from '../support/db.js';
import { startHarness, TEST_TOKEN, type Harness } from '../support/harness.js';

const db = useTestDb();
let first: Harness;
let second: Harness;

beforeAll(async () => {
  first = await startHarness({ dbUri: db.uri });
  second = await startHarness({ dbUri: db.uri, fake: first.fake });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

const deliver = async (app: Harness, xml: string): Promise<string> => {
  const q = signQuery(TEST_TOKEN);
  const response = await fetch(`${app.callbackUrl}?signature=${q.signature}&timestamp=${q.timestamp}&nonce=${q.nonce}`, {
    method: 'POST',
    body: xml,
  });
  return (await response.text()).replace(/<CreateTime>\d+<\/CreateTime>/, '');
};

describe('two instances on one database', () => {
  it('processes a message delivered to both instances at once exactly once, with the same reply from each', async () => {
    const xml = `<xml><ToUserName>${cdata('gh_fanhook_test')}</ToUserName><FromUserName>${cdata('oTwoDoors')}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata('门店在哪')}</Content><MsgId>7300000000000000001</MsgId></xml>`;
    const answers = await Promise.all([deliver(first, xml), deliver(second, xml), deliver(first, xml), deliver(second, xml)]);
    expect(answers[0]).toContain('<MsgType><![CDATA[text]]></MsgType>');
    expect(new Set(answers).size).toBe(1);
    expect(await first.connection.collection('interactions').countDocuments({ openId: 'oTwoDoors' })).toBe(1);
    const fan = await first.connection.collection('fans').findOne({ openId: 'oTwoDoors' });
    expect(fan?.['counts']).toMatchObject({ text: 1 });
  });

  it('keeps one profile for a fan whose messages alternate between the instances', async () => {
    await first.fan('oAlternating').follow('store_hz');
    for (let i = 0; i < 6; i += 1) {
      await (i % 2 === 0 ? second : first).fan('oAlternating').sendText(i % 3 === 0 ? '包邮吗' : '门店在哪');
    }
    const fans = await first.connection.collection('fans').find({ openId: 'oAlternating' }).toArray();
    expect(fans).toHaveLength(1);
    expect(fans[0]).toMatchObject({ source: 'store_hz', subscribed: true, counts: { subscribe: 1, text: 6 } });
    expect(await first.connection.collection('interactions').countDocuments({ openId: 'oAlternating' })).toBe(7);
  });

  it('loses no update when 20 messages of one fan arrive at once, split over both instances', async () => {
    await first.fan('oTwentyMessages').follow();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).fan('oTwentyMessages').sendText(`第${i}条：门店在哪`)),
    );
    const fan = await first.connection.collection('fans').findOne({ openId: 'oTwentyMessages' });
    expect(fan?.['counts']).toMatchObject({ subscribe: 1, text: 20 });
    expect(await first.connection.collection('interactions').countDocuments({ openId: 'oTwentyMessages', msgType: 'text' })).toBe(20);
  });

  it('creates one fan when the first messages of a newcomer reach both instances at the same moment', async () => {
    await Promise.all([
      first.fan('oNewcomerRace').sendText('你好'),
      second.fan('oNewcomerRace').sendText('在吗'),
      first.fan('oNewcomerRace').sendText('门店在哪'),
    ]);
    const fans = await first.connection.collection('fans').find({ openId: 'oNewcomerRace' }).toArray();
    expect(fans).toHaveLength(1);
    expect(await first.connection.collection('interactions').countDocuments({ openId: 'oNewcomerRace' })).toBe(3);
  });
});

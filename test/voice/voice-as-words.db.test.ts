import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { getInteractionModel } from '../../src/interactions/interaction-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { deliveredTo, MONDAY_11_SHANGHAI } from '../handoff/helpers.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
const clock = new ManualClock(MONDAY_11_SHANGHAI);

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, clock, env: { ADMIN_OPENIDS: 'oVoiceAdmin', STAFF_OPENIDS: 'oVoiceStaff' } });
  await app.fan('oVoiceStaff').sendText('/queue');
});
afterAll(async () => {
  await app?.close();
});

const content = (result: { reply: Record<string, unknown> | null }) => String(result.reply?.['Content'] ?? '');

describe('a voice message with WeChat’s recognition is the fan’s words', () => {
  it('answers a keyword said by voice, and keeps the voice with its words in the interaction log', async () => {
    const result = await app.fan('oVoiceFan1').voice('有什么新品吗');
    expect(content(result)).toContain('本周上新');
    const stored = await getInteractionModel(app.connection).findOne({ openId: 'oVoiceFan1' }).sort({ receivedAt: -1 }).lean();
    expect(stored).toMatchObject({ kind: 'voice', msgType: 'voice', payload: { Recognition: '有什么新品吗', Format: 'amr' } });
    expect(String(stored?.payload['MediaId'])).toMatch(/^SIM_VOICE_/);
  });

  it('opens a handoff when the fan says 人工 by voice, and staff get the words and the voice', async () => {
    const result = await app.fan('oVoiceFan2').voice('我要找人工');
    expect(content(result)).toContain('店员马上就来');
    const handoff = await getHandoffModel(app.connection).findOne({ openId: 'oVoiceFan2' }).lean();
    expect(handoff).toMatchObject({ status: 'queued', reason: 'keyword', reasonDetail: '人工' });
    await app.fan('oVoiceStaff').sendText(`/take ${handoff!.shortId}`);
    await app.fan('oVoiceFan2').voice('这件外套有M码吗');
    const staffGot = deliveredTo(app.fake, 'oVoiceStaff');
    expect(staffGot).toEqual(expect.arrayContaining([`[#${handoff!.shortId}] 粉丝：[语音] 这件外套有M码吗`]));
    expect(staffGot.at(-1)).toMatch(/^\[voice:SIM_VOICE_/);
  });

  it('runs a command an admin says by voice', async () => {
    const result = await app.fan('oVoiceAdmin').voice('/help');
    expect(content(result)).toContain('您的角色：管理员');
  });

  it('keeps a voice without recognition a voice: no keyword answer, stored as voice', async () => {
    const result = await app.fan('oVoiceFan3').voice();
    expect(content(result)).not.toContain('本周上新');
    const stored = await getInteractionModel(app.connection).findOne({ openId: 'oVoiceFan3' }).lean();
    expect(stored).toMatchObject({ kind: 'voice' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let first: Harness;
let second: Harness;
const env = { STAFF_OPENIDS: 'oStaffX,oStaffY,oStaffZ' };

beforeAll(async () => {
  // Two instances on one database and one account, as behind a load balancer.
  first = await startHarness({ dbUri: db.uri, env });
  second = await startHarness({ dbUri: db.uri, fake: first.fake, env });
  for (const staff of ['oStaffX', 'oStaffY', 'oStaffZ']) {
    await first.fan(staff).sendText('/queue');
  }
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

describe('/take races across instances', () => {
  it('gives every chat to exactly one of three staff taking it at the same moment, and tells the others who has it', async () => {
    for (let round = 0; round < 8; round += 1) {
      const fanId = `oFanRace${round}`;
      await first.fan(fanId).sendText('人工');
      const { shortId } = (await getHandoffModel(first.connection).findOne({ openId: fanId }).lean())!;
      const answers = await Promise.all([
        first.fan('oStaffX').sendText(`/take ${shortId}`),
        second.fan('oStaffY').sendText(`/take ${shortId}`),
        second.fan('oStaffZ').sendText(`/take ${shortId}`),
      ]);
      const texts = answers.map((a) => String(a.reply?.['Content']));
      const holder = (await getHandoffModel(first.connection).findOne({ openId: fanId }).lean())!.staffOpenId!;
      expect(texts.filter((t) => t.includes(`已接入 #${shortId}`))).toHaveLength(1);
      expect(texts.filter((t) => t === `#${shortId} 已被 ${holder} 接入。`)).toHaveLength(2);
      // The fan hears "a person is here" once, not once per contender.
      expect(first.fake.customMessagesFor(fanId)).toHaveLength(1);
      await first.fan(holder).sendText('/end');
    }
  });
});

describe('a fan asking twice at the same moment', () => {
  it('opens one handoff, on whichever instance, and tells the fan once', async () => {
    for (let round = 0; round < 8; round += 1) {
      const fanId = `oFanTwice${round}`;
      const answers = await Promise.all([first.fan(fanId).sendText('人工'), second.fan(fanId).sendText('转人工')]);
      expect(await getHandoffModel(first.connection).countDocuments({ openId: fanId })).toBe(1);
      expect(answers.filter((a) => a.reply !== null)).toHaveLength(1);
    }
  });
});

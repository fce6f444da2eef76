import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInteractionModel } from '../../src/interactions/interaction-model.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();
let app: Harness;

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    // Room for a loaded CI machine: a fast pipeline stays well inside it, the slow one well outside.
    env: { FANHOOK_REPLY_DEADLINE_MS: '500' },
    // A handler that takes longer than the deadline (a slow dependency, say).
    wrapRun: (run) => async (ctx) => {
      if (ctx.message.kind === 'text' && ctx.message.content.includes('慢')) {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      }
      await run(ctx);
    },
  });
});
afterAll(async () => {
  await app?.close();
});

describe('the reply deadline', () => {
  it('answers success in time and delivers the late reply as a customer-service message', async () => {
    const fan = app.fan('oSlowAnswer');
    const started = Date.now();
    const result = await fan.sendText('慢一点的问题');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.status).toBe(200);
    expect(result.replyXml).toBe('success');

    const delivered = await waitFor(
      () => app.fake.customMessagesFor('oSlowAnswer'),
      (messages) => messages.length > 0,
    );
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ touser: 'oSlowAnswer', msgtype: 'text' });
    expect(JSON.stringify(delivered[0])).toContain('抱歉');

    const interaction = await waitFor(
      () => getInteractionModel(app.connection).findOne({ openId: 'oSlowAnswer' }).lean(),
      (doc) => doc?.status === 'done',
    );
    expect(interaction?.replyMode).toBe('deferred');
  });

  it('gives a retry that arrives after the deadline success, and the fan still gets exactly one answer', async () => {
    const fan = app.fan('oSlowRetried');
    const fields = {
      ToUserName: 'gh_fanhook_test',
      FromUserName: 'oSlowRetried',
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'text',
      Content: '慢慢来',
      MsgId: '98765432101234567',
    };
    const first = fan.post(fields);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const retry = await fan.post(fields);
    expect((await first).replyXml).toBe('success');
    expect(retry.replyXml).toBe('success');
    await waitFor(
      () => app.fake.customMessagesFor('oSlowRetried'),
      (messages) => messages.length > 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    expect(app.fake.customMessagesFor('oSlowRetried')).toHaveLength(1);
    expect(await getInteractionModel(app.connection).countDocuments({ openId: 'oSlowRetried' })).toBe(1);
  });

  it('answers passively as usual when the pipeline is fast', async () => {
    const result = await app.fan('oFastAnswer').sendText('你好');
    expect(result.reply?.['MsgType']).toBe('text');
    expect(app.fake.customMessagesFor('oFastAnswer')).toHaveLength(0);
  });
});

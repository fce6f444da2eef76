import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { deliveredTo, MONDAY_11_SHANGHAI } from '../handoff/helpers.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FakeOpsClient } from './fake-ops-client.js';

const db = useTestDb();
let app: Harness;
const GROUP_ID = '@@staffgroup';
const client = new FakeOpsClient({ 小满客服群: GROUP_ID });

beforeAll(async () => {
  app = await startHarness({
    dbUri: db.uri,
    clock: new ManualClock(MONDAY_11_SHANGHAI),
    opsClient: client,
    // No official-account staff can be reached: the ops chat alone must keep handoffs with people.
    env: { FANHOOK_OPS_WECHAT4U: 'on', FANHOOK_OPS_GROUP: '小满客服群', FANHOOK_OPS_STAFF: '店长老王' },
  });
});
afterAll(async () => {
  await app?.close();
});

const idle = () => app.fanhook.ops!.idle();
const handoffOf = (openId: string) => getHandoffModel(app.connection).findOne({ openId }).sort({ createdAt: -1 }).lean();

describe('the wechat4u ops channel (fake client)', () => {
  it('is started with fanhook and posts new handoffs to the staff group', async () => {
    expect(client.started).toBe(true);
    const result = await app.fan('oFanOps').sendText('我要投诉');
    expect(String(result.reply?.['Content'])).toContain('店员马上就来');
    const { shortId } = (await handoffOf('oFanOps'))!;
    expect(client.textsTo(GROUP_ID).at(-1)).toContain(`新的人工请求 #${shortId}`);
  });

  it('lets a group member list, take and answer the chat, and relays the fan to them', async () => {
    const { shortId } = (await handoffOf('oFanOps'))!;
    client.groupMessage(GROUP_ID, '小满客服群', '小李', '/排队');
    await idle();
    expect(client.textsTo(GROUP_ID).at(-1)).toContain(`#${shortId} 粉丝 oFanOps`);
    client.groupMessage(GROUP_ID, '小满客服群', '小李', `/take ${shortId}`);
    await idle();
    expect(client.textsTo(GROUP_ID).at(-1)).toContain(`已接入 #${shortId}`);
    expect(await handoffOf('oFanOps')).toMatchObject({ status: 'held', staffOpenId: 'ops:小李', staffChannel: 'ops' });

    const fanSays = await app.fan('oFanOps').sendText('衣服破了个洞');
    expect(fanSays.reply).toBeNull();
    expect(client.textsTo(GROUP_ID).at(-1)).toBe(`@小李 [#${shortId}] 粉丝：衣服破了个洞`);
    await app.fan('oFanOps').image();
    expect(client.textsTo(GROUP_ID).at(-1)).toBe(`@小李 [#${shortId}] 粉丝：[图片]`);

    client.groupMessage(GROUP_ID, '小满客服群', '小李', '大家中午吃什么');
    client.groupMessage(GROUP_ID, '小满客服群', '小李', `#${shortId} 非常抱歉，我们给您换一件新的`);
    await idle();
    expect(deliveredTo(app.fake, 'oFanOps').at(-1)).toBe('非常抱歉，我们给您换一件新的');
    expect(deliveredTo(app.fake, 'oFanOps')).not.toContain('大家中午吃什么');

    client.groupMessage(GROUP_ID, '小满客服群', '小李', '/结束');
    await idle();
    expect(client.textsTo(GROUP_ID).at(-1)).toContain(`#${shortId} 已结束`);
    expect(await handoffOf('oFanOps')).toMatchObject({ status: 'closed', closedBy: 'ops:小李' });
    expect(deliveredTo(app.fake, 'oFanOps').at(-1)).toContain('人工服务已结束');
  });

  it('accepts commands in a private chat only from listed staff names', async () => {
    await app.fan('oFanPrivate').sendText('人工');
    const { shortId } = (await handoffOf('oFanPrivate'))!;
    client.privateMessage('@stranger', '路人甲', `/take ${shortId}`);
    await idle();
    expect(client.textsTo('@stranger')).toHaveLength(0);
    expect((await handoffOf('oFanPrivate'))?.status).toBe('queued');
    client.privateMessage('@boss', '店长老王', `/接入 ${shortId}`);
    client.privateMessage('@boss', '店长老王', '您好，我是店长');
    await idle();
    expect(client.textsTo('@boss')[0]).toContain(`已接入 #${shortId}`);
    expect(deliveredTo(app.fake, 'oFanPrivate').at(-1)).toBe('您好，我是店长');
    await app.fan('oFanPrivate').sendText('好的谢谢');
    expect(client.textsTo('@boss').at(-1)).toBe(`@店长老王 [#${shortId}] 粉丝：好的谢谢`);
  });

  it('tells a second ops staff member who already has the chat', async () => {
    const { shortId } = (await handoffOf('oFanPrivate'))!;
    client.groupMessage(GROUP_ID, '小满客服群', '小李', `/take ${shortId}`);
    await idle();
    expect(client.textsTo(GROUP_ID).at(-1)).toBe(`#${shortId} 已被 店长老王 接入。`);
  });
});

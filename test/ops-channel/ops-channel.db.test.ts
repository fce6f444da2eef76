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

describe('ops staff are who the ops account says they are (issue 12 item 9)', () => {
  const OTHER_GROUP = '@@renamedgroup';

  it('ignores a group that only took the ops group title, and answers a member without a remark that they are not recognised', async () => {
    await app.fan('oFanTitle').sendText('人工');
    const { shortId } = (await handoffOf('oFanTitle'))!;
    // Someone made a group and called it 小满客服群: the title is theirs, the remark is not.
    client.groupMessage(OTHER_GROUP, '', '小李', `/take ${shortId}`, { title: '小满客服群' });
    await idle();
    expect(client.textsTo(OTHER_GROUP)).toEqual([]);
    // In the real ops group, a member who set their group name to 小李 but has no remark.
    client.groupMessage(GROUP_ID, '小满客服群', '小李', `/take ${shortId}`, { remark: '', id: '@impostor' });
    await idle();
    expect(client.textsTo(GROUP_ID).at(-1)).toContain('请运维微信（登录 fanhook 的微信号）先给您设置备注名');
    expect((await handoffOf('oFanTitle'))?.status).toBe('queued');
  });

  it('attributes /take, relay and /end to the remark, and keeps one staff member out of another’s chat', async () => {
    await app.fan('oFanOwned').sendText('人工');
    const { shortId } = (await handoffOf('oFanOwned'))!;
    // The member shows as 路人 in the group; the ops account calls them 小周.
    client.groupMessage(GROUP_ID, '小满客服群', '路人', `/take ${shortId}`, { remark: '小周' });
    await idle();
    expect(await handoffOf('oFanOwned')).toMatchObject({ status: 'held', staffOpenId: 'ops:小周' });
    client.groupMessage(GROUP_ID, '小满客服群', '路人', `#${shortId} 您好，我是小周`, { remark: '小周' });
    await idle();
    expect(deliveredTo(app.fake, 'oFanOwned').at(-1)).toBe('您好，我是小周');

    // Another staff member (remark 小李, display name 路人 too) can neither speak in nor end it.
    client.groupMessage(GROUP_ID, '小满客服群', '路人', `#${shortId} 我来插一句`, { remark: '小李' });
    client.groupMessage(GROUP_ID, '小满客服群', '路人', `/end ${shortId}`, { remark: '小李' });
    await idle();
    expect(deliveredTo(app.fake, 'oFanOwned')).not.toContain('我来插一句');
    expect(client.textsTo(GROUP_ID).at(-1)).toBe(`您没有在接待 #${shortId}。`);
    expect((await handoffOf('oFanOwned'))?.status).toBe('held');

    client.groupMessage(GROUP_ID, '小满客服群', '路人', `/end ${shortId}`, { remark: '小周' });
    await idle();
    const closed = await handoffOf('oFanOwned');
    expect(closed).toMatchObject({ status: 'closed', closedBy: 'ops:小周' });
    expect(closed?.transcript.filter((line) => line.from === 'staff').map((line) => line.by)).toEqual(['ops:小周']);
  });

  it('refuses a private sender whose nickname is a staff name but who has no such remark', async () => {
    await app.fan('oFanNick').sendText('人工');
    const { shortId } = (await handoffOf('oFanNick'))!;
    client.privateMessage('@nickboss', '店长老王', `/take ${shortId}`, '');
    await idle();
    expect(client.textsTo('@nickboss')).toEqual([]);
    expect((await handoffOf('oFanNick'))?.status).toBe('queued');
  });

  it('makes a group the ops group when the ops account itself writes /运维群 there', async () => {
    const BOUND = '@@boundgroup';
    client.ownGroupMessage(BOUND, '/运维群');
    await idle();
    expect(client.textsTo(BOUND).at(-1)).toContain('已把本群设为运维群');
    await app.fan('oFanBound').sendText('人工');
    const { shortId } = (await handoffOf('oFanBound'))!;
    expect(client.textsTo(BOUND).at(-1)).toContain(`新的人工请求 #${shortId}`);
    client.groupMessage(BOUND, '', '阿芳', `/take ${shortId}`);
    await idle();
    expect(await handoffOf('oFanBound')).toMatchObject({ status: 'held', staffOpenId: 'ops:阿芳' });
  });
});

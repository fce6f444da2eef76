import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getChannelModel } from '../../src/channels/channel-model.js';
import { getFanModel } from '../../src/fans/fan-model.js';
import { askAs } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
const ADMIN = 'oChannelAdmin';

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, env: { ADMIN_OPENIDS: ADMIN } });
});
afterAll(async () => {
  await app?.close();
});

/** Images the admin received, as PNG bytes kept by the fake's media/upload. */
const imagesTo = (openId: string) =>
  app.fake
    .customMessagesFor(openId)
    .map((m) => (m as { image?: { media_id: string } }).image?.media_id)
    .filter((id): id is string => id !== undefined)
    .map((id) => app.fake.media(id)?.bytes);

describe('/qr and /channels', () => {
  it('creates a permanent code per scene, sends its PNG to the admin, and ranks channels by buyers, then fans who stayed', async () => {
    await app.fan(ADMIN).sendText('你好');
    const first = await askAs(app, ADMIN, '/qr store_sh 上海静安店');
    expect(first).toContain('✅ 渠道二维码已生成：上海静安店（store_sh）');
    const second = await askAs(app, ADMIN, '/二维码 poster_2026 地铁海报');
    expect(second).toContain('✅ 渠道二维码已生成：地铁海报（poster_2026）');
    const creates = app.fake.callsTo('/cgi-bin/qrcode/create').map((c) => c.body);
    expect(creates).toEqual([
      { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'store_sh' } } },
      { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'poster_2026' } } },
    ]);
    const images = imagesTo(ADMIN);
    expect(images).toHaveLength(2);
    expect(images.every((png) => png?.subarray(1, 4).toString('latin1') === 'PNG')).toBe(true);

    // Three fans through the store code (one leaves again), two through the poster (one orders).
    for (const openId of ['oStore1', 'oStore2', 'oStore3']) {
      await app.fan(openId).follow('store_sh');
    }
    await app.fan('oStore3').unfollow();
    await app.fan('oPoster1').follow('poster_2026');
    await app.fan('oPoster2').follow('poster_2026');
    await getFanModel(app.connection).updateOne({ openId: 'oPoster1' }, { $set: { 'purchases.orders': 1 } });

    const channels = await askAs(app, ADMIN, '/channels');
    expect(channels).toBe(
      [
        '渠道效果（按下单、仍关注、活跃排序）：',
        '· 地铁海报（poster_2026）：关注 2，仍关注 2（100%），30 天活跃 2，下单 1',
        '· 上海静安店（store_sh）：关注 3，仍关注 2（67%），30 天活跃 2，下单 0',
      ].join('\n'),
    );
  });

  it('sends the same code again for a scene that has one, without creating another', async () => {
    await app.fan(ADMIN).sendText('你好');
    await askAs(app, ADMIN, '/qr again_scene 复用');
    const calls = app.fake.callsTo('/cgi-bin/qrcode/create').length;
    const answer = await askAs(app, ADMIN, '/qr again_scene');
    expect(answer).toContain('✅ 渠道已有二维码，已重新发送：复用（again_scene）');
    expect(app.fake.callsTo('/cgi-bin/qrcode/create')).toHaveLength(calls);
  });

  it('refuses a scene over 64 characters or with unsafe characters, and creates nothing', async () => {
    const calls = app.fake.callsTo('/cgi-bin/qrcode/create').length;
    const long = await askAs(app, ADMIN, `/qr ${'s'.repeat(65)}`);
    expect(long).toContain('场景值太长：65 个字符，微信最多 64 个');
    const unsafe = await askAs(app, ADMIN, '/qr store$hz');
    expect(unsafe).toContain('场景值只能包含英文字母、数字、下划线和连字符');
    expect(app.fake.callsTo('/cgi-bin/qrcode/create')).toHaveLength(calls);
    expect(await getChannelModel(app.connection).countDocuments({ scene: 'store$hz' })).toBe(0);
  });

  it('answers 45009 on QR creation clearly and keeps no channel', async () => {
    await app.fan(ADMIN).sendText('你好');
    app.fake.failNext('/cgi-bin/qrcode/create', 45009);
    const answer = await askAs(app, ADMIN, '/qr quota_day 额度');
    expect(answer).toContain('❌ 微信拒绝（45009）：今日生成二维码的次数已达上限');
    expect(answer).toContain('渠道未创建');
    expect(await getChannelModel(app.connection).countDocuments({ scene: 'quota_day' })).toBe(0);
  });
});

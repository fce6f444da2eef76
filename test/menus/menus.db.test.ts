import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { askAs } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
let dir: string;
let original: string;
const ADMIN = 'oMenuAdmin';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-menus-'));
  await cp('templates', dir, { recursive: true });
  original = await readFile(path.join(dir, 'menus.yaml'), 'utf8');
  app = await startHarness({ dbUri: db.uri, env: { FANHOOK_TEMPLATES_DIR: dir, ADMIN_OPENIDS: ADMIN } });
  await app.fan(ADMIN).sendText('你好');
});
beforeEach(async () => {
  await writeFile(path.join(dir, 'menus.yaml'), original);
  await app.fan(ADMIN).sendText('/reload');
  app.fake.reset();
  await app.connection.collection('wechatTags').deleteMany({});
  await app.fan(ADMIN).sendText('你好');
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const content = (result: { reply: Record<string, unknown> | null }) => String(result.reply?.['Content'] ?? '');

describe('menus.yaml drives the published buttons and the click replies', () => {
  it('publishes the default menu and the 新粉 conditional menu (its WeChat tag created first), and says what changed', async () => {
    const answer = await askAs(app, ADMIN, '/menu publish');
    expect(answer).toContain('✅ 菜单已发布：');
    expect(answer).toContain('· 默认菜单：已更新（menu/create）');
    expect(answer).toMatch(/· 标签「新粉」的菜单：已新增（条件菜单 \d+）/);
    const { menu, conditional } = app.fake.menus();
    expect(menu?.button).toEqual([
      { type: 'click', name: '新品', key: 'NEW' },
      {
        name: '服务',
        sub_button: [
          { type: 'click', name: '尺码建议', key: 'SIZE' },
          { type: 'click', name: '门店地址', key: 'STORE' },
          { type: 'click', name: '限时特惠', key: 'SALE' },
        ],
      },
      { type: 'click', name: '会员', key: 'MEMBER' },
    ]);
    const tag = app.fake.callsTo('/cgi-bin/tags/create').map((c) => (c.response as { tag: { id: number; name: string } }).tag);
    expect(tag).toEqual([{ id: expect.any(Number), name: '新粉' }]);
    expect(conditional).toEqual([expect.objectContaining({ matchrule: { tag_id: String(tag[0]!.id) } })]);
    expect((conditional[0]!.button as { name: string }[]).map((b) => b.name)).toEqual(['新人礼', '新品', '会员']);
    const order = app.fake.calls.map((c) => c.path).filter((p) => p.startsWith('/cgi-bin/menu/') || p === '/cgi-bin/tags/create');
    expect(order).toEqual(['/cgi-bin/tags/create', '/cgi-bin/menu/get', '/cgi-bin/menu/create', '/cgi-bin/menu/addconditional']);
  });

  it('pushes only the difference the second time, and shows live beside the file in /menu', async () => {
    await askAs(app, ADMIN, '/menu publish');
    const again = await askAs(app, ADMIN, '/menu publish');
    expect(again).toContain('无需发布');
    expect(app.fake.callsTo('/cgi-bin/menu/create')).toHaveLength(1);
    await writeFile(path.join(dir, 'menus.yaml'), original.replace('name: 新人礼', 'name: 新人福利'));
    const third = await askAs(app, ADMIN, '/menu publish');
    expect(third).toContain('· 默认菜单：未变');
    expect(third).toMatch(/· 标签「新粉」的菜单：已替换（条件菜单 \d+）/);
    expect(app.fake.callsTo('/cgi-bin/menu/delconditional')).toHaveLength(1);
    expect(app.fake.menus().conditional).toHaveLength(1);
    const shown = await askAs(app, ADMIN, '/menu');
    expect(shown).toContain('· 默认：新品 | 服务（尺码建议、门店地址、限时特惠） | 会员（与 menus.yaml 一致）');
    expect(shown).toContain('· 标签「新粉」：新人福利 | 新品 | 会员（与 menus.yaml 一致）');
  });

  it('answers a tapped button with the reply written next to it (the README tour’s :click NEW)', async () => {
    expect(content(await app.fan('oMenuFan1').click('NEW'))).toContain('本周上新');
    expect(content(await app.fan('oMenuFan1').click('NEWBIE_GIFT'))).toContain('HELLO20');
  });

  it('refuses a file over WeChat’s limits with the line that breaks them, and changes nothing on WeChat', async () => {
    await writeFile(
      path.join(dir, 'menus.yaml'),
      original.replace('\ntags:', '  - name: 第四个\n    key: FOURTH\n    reply: 多余\n\ntags:'),
    );
    const answer = await askAs(app, ADMIN, '/menu publish');
    expect(answer).toMatch(
      /❌ 菜单未发布，微信上的菜单没有变动：menus\.yaml \(line \d+\): default\.3 is button 4: a menu has at most 3 buttons/,
    );
    expect(app.fake.calls.filter((c) => c.path.startsWith('/cgi-bin/menu/'))).toEqual([]);
    // The replies in use stay the previous ones.
    expect(content(await app.fan('oMenuFan2').click('NEW'))).toContain('本周上新');
  });

  it('refuses a tag menu for a tag rules.yaml does not mirror to WeChat (sync: true), and pushes nothing', async () => {
    await writeFile(path.join(dir, 'menus.yaml'), original.replace('  新粉:', '  vip:'));
    const answer = await askAs(app, ADMIN, '/menu publish');
    expect(answer).toContain('❌ 菜单未能全部发布：标签「vip」没有在 rules.yaml 中设为 sync: true');
    expect(answer).toContain('微信上的菜单没有变动。');
    expect(app.fake.calls.filter((c) => c.path.startsWith('/cgi-bin/menu/') || c.path === '/cgi-bin/tags/create')).toEqual([]);
  });

  it('names the line of a top-level name over 16 bytes', async () => {
    await writeFile(
      path.join(dir, 'menus.yaml'),
      original.replace('  - name: 会员\n    key: MEMBER', '  - name: 会员中心和积分\n    key: MEMBER'),
    );
    const lineNo = original.split('\n').findIndex((line) => line === '  - name: 会员') + 1;
    const answer = await askAs(app, ADMIN, '/menu publish');
    expect(answer).toContain(`menus.yaml (line ${lineNo}): default.2.name "会员中心和积分" is 21 bytes; WeChat allows 16`);
  });
});

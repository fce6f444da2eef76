import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-templates-'));
  await cp('templates', dir, { recursive: true });
  app = await startHarness({ dbUri: db.uri, env: { FANHOOK_TEMPLATES_DIR: dir, ADMIN_OPENIDS: 'oReloadAdmin' } });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const content = (result: { reply: Record<string, unknown> | null }) => String(result.reply?.['Content'] ?? '');
const edit = async (file: string, change: (text: string) => string) =>
  writeFile(path.join(dir, file), change(await readFile(path.join(dir, file), 'utf8')));

describe('/reload (重载)', () => {
  it('puts a changed keyword reply and a new rule in use without a restart', async () => {
    await edit('replies.yaml', (text) => text.replace('全场满 199 元包邮', '全场满 99 元包邮'));
    await edit('rules.yaml', (text) => `${text}\n  - id: asks-shipping\n    when: { keyword: 包邮 }\n    do:\n      - addTag: 关心运费\n`);
    const answer = await app.fan('oReloadAdmin').sendText('/重载');
    expect(content(answer)).toContain('重载完成');
    const fan = app.fan('oReloadFan');
    expect(content(await fan.sendText('包邮吗'))).toContain('满 99 元包邮');
    const stored = await getFanModel(app.connection).findOne({ openId: 'oReloadFan' }).lean();
    expect(stored?.tags).toEqual(expect.arrayContaining([expect.objectContaining({ name: '关心运费', ruleId: 'asks-shipping' })]));
  });

  it('refuses an invalid rules file naming the rule and field, and keeps the old rules working', async () => {
    await edit('rules.yaml', (text) =>
      text.replace('id: asks-shipping\n    when: { keyword: 包邮 }', 'id: asks-shipping\n    when: { keywrd: 包邮 }'),
    );
    const answer = await app.fan('oReloadAdmin').sendText('/reload');
    expect(content(answer)).toContain('❌ 标签规则（rules.yaml）：rules.yaml: rule "asks-shipping"');
    expect(content(answer)).toContain('unknown field(s) keywrd');
    expect(content(answer)).toContain('继续使用之前的版本');
    await app.fan('oReloadFan2').sendText('运费多少，包邮吗');
    const stored = await getFanModel(app.connection).findOne({ openId: 'oReloadFan2' }).lean();
    expect(stored?.tags.map((t) => t.name)).toContain('关心运费');
  });

  it('is for admins only: a fan typing /reload just gets an answer as a fan', async () => {
    const answer = await app.fan('oCurious').sendText('/reload');
    expect(content(answer)).not.toContain('重载完成');
  });
});

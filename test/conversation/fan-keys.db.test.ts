/**
 * Fan-supplied keys are data (issue 12 item 6): a menu key or a QR scene a fan sends is looked
 * up with own-property semantics, so `__proto__`, `constructor` or `toString` get the same
 * answer as any key the merchant never wrote, and nothing is stored under a built-in name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const content = (result: { reply: Record<string, unknown> | null }) => String(result.reply?.['Content'] ?? '');
const rawFan = (openId: string) => app.connection.collection('fans').findOne({ openId });
const failuresOf = (openId: string) => app.logs.filter((line) => line.includes(`"openId":"${openId}"`) && line.includes('"level":50'));
const BUILTINS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('menu keys from fans', () => {
  it.each(BUILTINS)('a CLICK on %s is answered like a key nobody wrote, counted under an escaped name', async (key) => {
    const openId = `oClick${key.replaceAll('_', 'U')}`;
    const unknown = await app.fan(`${openId}Ref`).click('NO_SUCH_KEY');
    const result = await app.fan(openId).click(key);
    expect(result.status).toBe(200);
    expect(result.reply).toEqual(unknown.reply);
    expect(failuresOf(openId)).toEqual([]);
    const interaction = await app.connection.collection('interactions').findOne({ openId });
    expect(interaction?.['status']).toBe('done');
    const fan = await rawFan(openId);
    expect(Object.keys(fan?.['menuClicks'] as object)).toEqual([`_${key}`]);
  });

  it('a CLICK on 新品 after a CLICK on constructor still gets its reply and counts the path under escaped names', async () => {
    const fan = app.fan('oClickPathAfterBuiltin');
    await fan.click('constructor');
    const result = await fan.click('NEW');
    expect(content(result)).toContain('本周上新');
    const stored = await rawFan('oClickPathAfterBuiltin');
    expect(stored?.['menuClicks']).toEqual({ _constructor: 1, NEW: 1 });
    expect(stored?.['menuPaths']).toEqual({ '_constructor>NEW': 1 });
  });
});

describe('QR scenes from fans', () => {
  it.each(['__proto__', 'constructor', 'toString'])('a follow with scene qrscene_%s gets the default welcome', async (scene) => {
    const openId = `oScene${scene.replaceAll('_', 'U')}`;
    const result = await app.fan(openId).follow(scene);
    expect(result.status).toBe(200);
    expect(content(result)).toContain('欢迎关注小满衣橱');
    expect(failuresOf(openId)).toEqual([]);
    const fan = await rawFan(openId);
    expect(fan?.['source']).toBe(scene);
  });
});

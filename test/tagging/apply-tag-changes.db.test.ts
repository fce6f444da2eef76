import { beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { applyTagChanges } from '../../src/tagging/apply-tag-changes.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
const now = new Date('2026-11-20T10:00:00Z');
const later = new Date('2026-11-21T10:00:00Z');

beforeAll(async () => {
  await getFanModel(db.connection).init();
});

async function seedFan(openId: string): Promise<void> {
  await getFanModel(db.connection).create({ openId, firstSeenAt: now, lastSeenAt: now, subscribed: true });
}
const load = (openId: string) => getFanModel(db.connection).findOne({ openId }).lean();

describe('applyTagChanges', () => {
  it('adds a tag with its reason and time and marks the fan for WeChat sync', async () => {
    await seedFan('oTagA');
    const result = await applyTagChanges({
      connection: db.connection,
      openId: 'oTagA',
      add: [{ name: 'VIP', source: 'manual', by: 'oAdmin' }],
      now,
    });
    expect(result).toMatchObject({ added: ['VIP'], removed: [] });
    const fan = await load('oTagA');
    expect(fan?.tags).toEqual([{ name: 'VIP', source: 'manual', by: 'oAdmin', at: now }]);
    expect(fan?.tagsDirty).toBe(true);
  });

  it('keeps the first reason when a tag is added twice and never duplicates it', async () => {
    await seedFan('oTagB');
    await applyTagChanges({
      connection: db.connection,
      openId: 'oTagB',
      add: [{ name: '孕妈', source: 'rule', ruleId: 'maternity-keywords' }],
      now,
    });
    const second = await applyTagChanges({
      connection: db.connection,
      openId: 'oTagB',
      add: [{ name: '孕妈', source: 'manual', by: 'oAdmin' }],
      now: later,
    });
    expect(second.added).toEqual([]);
    const fan = await load('oTagB');
    expect(fan?.tags).toEqual([{ name: '孕妈', source: 'rule', ruleId: 'maternity-keywords', at: now }]);
  });

  it('removes tags by name and reports only what was there', async () => {
    await seedFan('oTagC');
    await applyTagChanges({
      connection: db.connection,
      openId: 'oTagC',
      add: [
        { name: 'a', source: 'manual' },
        { name: 'b', source: 'manual' },
      ],
      now,
    });
    const result = await applyTagChanges({ connection: db.connection, openId: 'oTagC', remove: ['a', 'zzz'], now: later });
    expect(result.removed).toEqual(['a']);
    expect((await load('oTagC'))?.tags.map((t) => t.name)).toEqual(['b']);
  });

  it('loses no tag when twenty different tags are added to one fan at once', async () => {
    await seedFan('oTagD');
    const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
    await Promise.all(
      names.map((name) => applyTagChanges({ connection: db.connection, openId: 'oTagD', add: [{ name, source: 'manual' }], now })),
    );
    const fan = await load('oTagD');
    expect(fan?.tags.map((t) => t.name).sort()).toEqual([...names].sort());
    expect(fan?.tagsRev).toBe(20);
  });

  it('keeps one copy of a tag twenty writers add at once, and loses none of ten removals running beside them', async () => {
    await seedFan('oTagE');
    const old = Array.from({ length: 10 }, (_, i) => `old${i}`);
    await applyTagChanges({ connection: db.connection, openId: 'oTagE', add: old.map((name) => ({ name, source: 'manual' })), now });
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        applyTagChanges({
          connection: db.connection,
          openId: 'oTagE',
          add: [{ name: 'VIP', source: 'manual', by: `oAdmin${i}` }],
          now: later,
        }),
      ),
      ...old.map((name) => applyTagChanges({ connection: db.connection, openId: 'oTagE', remove: [name], now: later })),
    ]);
    const fan = await load('oTagE');
    expect(fan?.tags.map((t) => t.name)).toEqual(['VIP']);
  });

  it('keeps a tag name starting with $ as text', async () => {
    await seedFan('oTagF');
    const result = await applyTagChanges({ connection: db.connection, openId: 'oTagF', add: [{ name: '$tags', source: 'manual' }], now });
    expect(result.added).toEqual(['$tags']);
    expect((await load('oTagF'))?.tags.map((t) => t.name)).toEqual(['$tags']);
  });

  it('refuses an unknown fan with a message naming it', async () => {
    await expect(
      applyTagChanges({ connection: db.connection, openId: 'oNobody', add: [{ name: 'x', source: 'manual' }], now }),
    ).rejects.toThrow('粉丝 oNobody 不存在');
  });
});

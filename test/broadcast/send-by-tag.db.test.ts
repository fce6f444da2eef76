/**
 * Send-by-tag (SPEC.md §7): a segment that is exactly one synced tag goes out as one
 * `mass/sendall` to the WeChat tag when that reaches exactly the fans fanhook would push to,
 * and falls back to OpenID batches when it would not (a fan at the limit, a fan in the
 * customer-service window, the tag's members changed since planning).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroadcastBatchModel } from '../../src/broadcast/broadcast-batch-model.js';
import { getBroadcastModel, nextBroadcastNumber } from '../../src/broadcast/broadcast-model.js';
import { planBroadcast, storeBatches } from '../../src/broadcast/plan-broadcast.js';
import { formatReport } from '../../src/broadcast/broadcast-report.js';
import { runBroadcast } from '../../src/broadcast/run-broadcast.js';
import { monthKeyIn } from '../../src/broadcast/zoned-time.js';
import { getFanModel, type Fan } from '../../src/fans/fan-model.js';
import { syncWechatTags } from '../../src/jobs/sync-wechat-tags.js';
import { applyTagChanges } from '../../src/tagging/apply-tag-changes.js';
import { getWechatTagModel } from '../../src/tagging/wechat-tag-model.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { batchesOf, fanDoc, finishAllMassJobs, waitForBroadcast } from './broadcast-support.js';

const db = useTestDb();
const ADMIN = 'oAdminByTag';
const now = new Date();
const month = monthKeyIn(now, 'Asia/Shanghai');
let app: Harness;
let templatesDir = '';

const textOf = (reply: Record<string, unknown> | null): string => String(reply?.['Content'] ?? '');
const customTexts = (openId: string): string[] =>
  app.fake.customMessagesFor(openId).map((m) => String((m as { text?: { content?: string } }).text?.content ?? ''));
const openIds = (prefix: string, n = 25) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const tagged = (name: string) => ({ tags: [{ name, source: 'rule' as const, ruleId: 'big_spender', at: now }], tagsDirty: true });
const tagIdOf = async (name: string) => (await getWechatTagModel(app.connection).findOne({ name }).lean())?.tagId;
/** Pushes counted this month for each of `ids`, in that order. */
const pushesOf = async (ids: string[]) => {
  const fans = await getFanModel(app.connection)
    .find({ openId: { $in: ids } }, { openId: 1, massPushes: 1 })
    .lean();
  const byId = new Map(fans.map((fan) => [fan.openId, fan.massPushes.count]));
  return ids.map((id) => byId.get(id));
};
const sendAllCalls = () => app.fake.callsTo('/cgi-bin/message/mass/sendall');
const sendCalls = () => app.fake.callsTo('/cgi-bin/message/mass/send');

/** Mirrors the synced tags to the fake WeChat account, as the every-minute job does. */
async function syncTags(): Promise<void> {
  await syncWechatTags({
    connection: app.connection,
    api: app.fanhook.api,
    rules: app.fanhook.rules,
    logger: app.fanhook.broadcast.logger,
  });
}

/** Queues a broadcast and writes its plan as the send job would, without sending anything yet. */
async function planOnly(expr: string, text: string) {
  const deps = app.fanhook.broadcast;
  const number = await nextBroadcastNumber(app.connection);
  const doc = await getBroadcastModel(app.connection).create({
    number,
    expr,
    content: { type: 'text', text },
    state: 'queued',
    createdBy: ADMIN,
    createdAt: now,
    firingKey: `n:${number}`,
  });
  const planned = await planBroadcast(deps, doc);
  await storeBatches(deps, { _id: doc._id, number }, planned);
  await getBroadcastModel(app.connection).updateOne({ number }, { $set: { state: 'sending', plan: planned.numbers, sentAt: now } });
  return { number, planned };
}

async function reportOf(number: number): Promise<string> {
  const broadcast = await getBroadcastModel(app.connection).findOne({ number }).lean();
  return formatReport(broadcast!, await getBroadcastBatchModel(app.connection).find({ broadcast: number }).lean());
}

beforeAll(async () => {
  templatesDir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-bytag-'));
  await cp('templates', templatesDir, { recursive: true });
  const rulesFile = path.join(templatesDir, 'rules.yaml');
  const rules = await readFile(rulesFile, 'utf8');
  await writeFile(
    rulesFile,
    rules.replace(/^tags:\n/m, 'tags:\n  - { name: vip, sync: true }\n  - { name: gold, sync: true }\n  - { name: silver, sync: true }\n'),
  );
  app = await startHarness({
    dbUri: db.uri,
    // Batches of 10: by OpenID list the 25 fans of a tag would take 3 calls.
    env: { ADMIN_OPENIDS: ADMIN, FANHOOK_TEMPLATES_DIR: templatesDir, FANHOOK_MASS_BATCH_SIZE: '10' },
    startJobs: true,
  });
  await getFanModel(app.connection).insertMany([
    fanDoc(ADMIN, now),
    ...openIds('oVip').map((id) => fanDoc(id, now, tagged('vip') as Partial<Fan>)),
    ...openIds('oGold').map((id) => fanDoc(id, now, tagged('gold') as Partial<Fan>)),
    ...openIds('oSilver').map((id) => fanDoc(id, now, tagged('silver') as Partial<Fan>)),
  ]);
  await syncTags();
  await app.fan(ADMIN).sendText('你好');
});
afterAll(async () => {
  await app?.close();
  await rm(templatesDir, { recursive: true, force: true });
});

describe('a segment of one synced tag goes out by tag', () => {
  it('previews the by-tag send with its one mass-send call', async () => {
    const text = textOf((await app.fan(ADMIN).sendText('/broadcast tag:vip | 会员日：全场 8 折')).reply);
    expect(text).toContain('草稿 #1 已创建');
    expect(text).toContain('群发：25 人，需 1 次群发调用（按标签「vip」群发');
    expect(text).toContain('按名单需 3 次');
    expect(app.fake.massJobs()).toHaveLength(0);
  });

  it('sends one sendall to the WeChat tag, no OpenID list, and counts the push for all 25 fans', async () => {
    expect(textOf((await app.fan(ADMIN).sendText('/confirm 1')).reply)).toContain('#1 开始发送');
    await waitForBroadcast(app.connection, 1, 'sent');
    expect(sendCalls()).toHaveLength(0);
    expect(sendAllCalls()).toHaveLength(1);
    const [call] = sendAllCalls();
    expect(call?.body).toMatchObject({
      filter: { is_to_all: false, tag_id: await tagIdOf('vip') },
      msgtype: 'text',
      text: { content: '会员日：全场 8 折' },
    });
    expect((call?.body as { clientmsgid?: string } | undefined)?.clientmsgid).toMatch(/^fh-[0-9a-f]{24}-1$/);
    const [job] = app.fake.massJobs();
    expect(job?.endpoint).toBe('sendall');
    expect([...(job?.deliveredTo ?? [])].sort()).toEqual(openIds('oVip'));
    expect(await pushesOf(openIds('oVip'))).toEqual(Array(25).fill(1));
    expect(await pushesOf([ADMIN, ...openIds('oGold')])).toEqual(Array(26).fill(0));
  });

  it('matches MASSSENDJOBFINISH to the by-tag send and reports it to the admin', async () => {
    await finishAllMassJobs(app);
    const done = await waitForBroadcast(app.connection, 1, 'finished');
    expect(done?.results).toMatchObject({ massTotal: 25, massSent: 25, massErrors: 0 });
    const report = await waitFor(
      () => customTexts(ADMIN).find((t) => t.startsWith('群发 #1 报告')),
      (t) => t !== undefined,
    );
    expect(report).toContain('群发方式：按标签「vip」群发，1 次群发调用');
    expect(report).toContain('群发结果：提交 25 人，发送成功 25');
    expect(textOf((await app.fan(ADMIN).sendText('/report 1')).reply)).toContain('按标签「vip」群发');
  });
});

describe('falls back to OpenID batches when a by-tag send would not be exact', () => {
  it('goes by OpenID list when a fan of the tag is at the monthly limit, leaving that fan out', async () => {
    await getFanModel(app.connection).updateOne({ openId: 'oVip07' }, { $set: { massPushes: { month, count: 4, lastAt: now } } });
    const text = textOf((await app.fan(ADMIN).sendText('/broadcast tag:vip | 周末上新')).reply);
    expect(text).toContain('群发：24 人，需 3 次群发调用（按名单群发');
    expect(text).toContain('本月群发额度已满而排除：1 人');
    expect(text).toContain('未按标签群发（需 3 次调用）：有粉丝因本月群发额度或发送间隔被排除');
    await app.fan(ADMIN).sendText('/confirm 2');
    await waitForBroadcast(app.connection, 2, 'sent');
    expect(sendAllCalls()).toHaveLength(1);
    expect(sendCalls().map((c) => (c.body as { touser: string[] }).touser.length)).toEqual([10, 10, 4]);
    const delivered = app.fake.massJobs().flatMap((job) => (job.endpoint === 'send' ? job.deliveredTo : []));
    expect(delivered).not.toContain('oVip07');
    expect(await pushesOf(['oVip00', 'oVip07', 'oVip24'])).toEqual([2, 4, 2]);
  });

  it('goes by OpenID list when a fan of the tag would get a customer-service message', async () => {
    await app.fan('oVip03').sendText('在吗');
    const text = textOf((await app.fan(ADMIN).sendText('/broadcast tag:vip | 周末上新 2')).reply);
    expect(text).toContain('按名单群发');
    expect(text).toContain('有粉丝会收到客服消息，按标签群发会让他们再收到一次');
  });

  it('falls back when a fan reaches the limit between planning and sending, counting each push once', async () => {
    const { number, planned } = await planOnly('tag:gold', '金卡专享');
    expect(planned.numbers).toMatchObject({ byTag: 'gold', massCalls: 1, mass: 25 });
    // Another campaign (or the MP console) used up oGold05's month meanwhile.
    await getFanModel(app.connection).updateOne({ openId: 'oGold05' }, { $set: { massPushes: { month, count: 4, lastAt: now } } });
    const sendAllBefore = sendAllCalls().length;
    await runBroadcast(app.fanhook.broadcast, number);
    expect(sendAllCalls()).toHaveLength(sendAllBefore);
    const batches = await batchesOf(app.connection, number);
    expect(batches.map((b) => `${b.kind}:${b.state}`)).toEqual(['tag:replaced', 'mass:accepted', 'mass:accepted', 'mass:accepted']);
    const jobs = app.fake.massJobs().filter((job) => job.content && JSON.stringify(job.content).includes('金卡专享'));
    expect(jobs.map((job) => job.endpoint)).toEqual(['send', 'send', 'send']);
    expect(jobs.flatMap((job) => job.deliveredTo)).toHaveLength(24);
    expect(jobs.flatMap((job) => job.deliveredTo)).not.toContain('oGold05');
    // The by-tag reservation was given back before the OpenID batches counted theirs.
    const others = openIds('oGold').filter((id) => id !== 'oGold05');
    expect(await pushesOf(others)).toEqual(Array(24).fill(1));
    expect(await pushesOf(['oGold05'])).toEqual([4]);
    const report = await reportOf(number);
    expect(report).toContain('群发方式：按名单群发，3 次群发调用（原计划按标签「gold」群发');
    expect(report).toContain('本月群发额度已满而排除：1 人');
  });

  it('falls back when the tag gains a fan between planning and sending', async () => {
    await getFanModel(app.connection).updateOne({ openId: 'oGold05' }, { $set: { massPushes: { month, count: 1, lastAt: now } } });
    const { number, planned } = await planOnly('tag:gold', '金卡第二波');
    expect(planned.numbers.byTag).toBe('gold');
    await getFanModel(app.connection).insertMany([fanDoc('oGoldNew', now)]);
    await applyTagChanges({ connection: app.connection, openId: 'oGoldNew', add: [{ name: 'gold', source: 'manual', by: ADMIN }], now });
    await runBroadcast(app.fanhook.broadcast, number);
    const batches = await batchesOf(app.connection, number);
    expect(batches[0]).toMatchObject({ kind: 'tag', state: 'replaced', fallback: 'mirror' });
    const jobs = app.fake.massJobs().filter((job) => JSON.stringify(job.content).includes('金卡第二波'));
    expect(jobs.every((job) => job.endpoint === 'send')).toBe(true);
    expect(jobs.flatMap((job) => job.deliveredTo).sort()).toEqual(openIds('oGold'));
    expect(await pushesOf(openIds('oGold'))).toEqual(Array(25).fill(2));
  });
});

describe('a by-tag send is never sent twice', () => {
  it('retries the same sendall after a crash once the call may have reached WeChat, and WeChat answers 45065', async () => {
    await syncTags(); // oGoldNew is now on the WeChat tag too
    const { number, planned } = await planOnly('tag:gold', '金卡第三波');
    expect(planned.numbers).toMatchObject({ byTag: 'gold', mass: 26 });
    await runBroadcast(app.fanhook.broadcast, number);
    const batches = getBroadcastBatchModel(app.connection);
    const accepted = await batches.findOne({ broadcast: number, index: 1 }).lean();
    expect(accepted).toMatchObject({ kind: 'tag', state: 'accepted' });
    expect(accepted?.tagCallAt).toBeInstanceOf(Date);
    // As if the instance died after WeChat accepted the call but before the answer was stored,
    // and meanwhile a fan joined the tag: the retry must not fall back to OpenID lists.
    await batches.updateOne({ _id: accepted!._id }, { $set: { state: 'reserved' }, $unset: { msgId: '' } });
    await getBroadcastModel(app.connection).updateOne({ number }, { $set: { state: 'sending' } });
    await getFanModel(app.connection).insertMany([fanDoc('oGoldLate', now, tagged('gold') as Partial<Fan>)]);
    const jobsBefore = app.fake.massJobs().length;
    await runBroadcast(app.fanhook.broadcast, number);
    expect(sendAllCalls().at(-1)?.errcode).toBe(45065);
    expect(app.fake.massJobs()).toHaveLength(jobsBefore);
    expect(await batches.findOne({ broadcast: number, index: 1 }).lean()).toMatchObject({ state: 'accepted', msgId: accepted!.msgId });
    expect(await batches.countDocuments({ broadcast: number })).toBe(1);
    expect(await pushesOf([...openIds('oGold'), 'oGoldNew'])).toEqual(Array(26).fill(3).fill(1, 25));
  });
});

describe('changes made by hand in the MP backend', () => {
  /** What the merchant does in the MP backend, through the same API the backend uses. */
  const byHand = (path: string, body: Record<string, unknown>) => app.fanhook.api.post(path, body);
  const silverJobs = (text: string) => app.fake.massJobs().filter((job) => JSON.stringify(job.content).includes(text));

  it('goes by OpenID list when WeChat counts a fan on the tag that fanhook never tagged', async () => {
    const silverId = await tagIdOf('silver');
    await byHand('/cgi-bin/tags/members/batchtagging', { openid_list: [ADMIN], tagid: silverId });
    const { number, planned } = await planOnly('tag:silver', '银卡专享');
    expect(planned.numbers).toMatchObject({ byTag: 'silver', mass: 25 });

    await runBroadcast(app.fanhook.broadcast, number);

    const batches = await batchesOf(app.connection, number);
    expect(batches[0]).toMatchObject({ kind: 'tag', state: 'replaced', fallback: 'wechat_count' });
    const jobs = silverJobs('银卡专享');
    expect(jobs.map((job) => job.endpoint)).toEqual(['send', 'send', 'send']);
    expect(jobs.flatMap((job) => job.deliveredTo).sort()).toEqual(openIds('oSilver'));
    expect(await pushesOf([ADMIN, ...openIds('oSilver')])).toEqual([0, ...Array(25).fill(1)]);
    expect(await reportOf(number)).toContain('人数与记录不符');
    await byHand('/cgi-bin/tags/members/batchuntagging', { openid_list: [ADMIN], tagid: silverId });
  });

  it('goes by OpenID list when the tag was deleted, then the sync creates it again with every member', async () => {
    const oldId = await tagIdOf('silver');
    await byHand('/cgi-bin/tags/delete', { tag: { id: oldId } });
    const { number, planned } = await planOnly('tag:silver', '银卡第二波');
    expect(planned.numbers.byTag).toBe('silver');

    await runBroadcast(app.fanhook.broadcast, number);

    expect((await batchesOf(app.connection, number))[0]).toMatchObject({ state: 'replaced', fallback: 'wechat_deleted' });
    expect(
      silverJobs('银卡第二波')
        .flatMap((job) => job.deliveredTo)
        .sort(),
    ).toEqual(openIds('oSilver'));
    expect(await reportOf(number)).toContain('该标签已在微信公众平台被删除');
    // Forgotten, and its fans marked for the sync, which re-creates the tag and re-tags them.
    expect(await tagIdOf('silver')).toBeUndefined();
    await syncTags();
    const newId = await tagIdOf('silver');
    expect(newId).toBeDefined();
    expect(newId).not.toBe(oldId);
    const { tags } = await app.fanhook.api.get<{ tags: Array<{ id: number; count: number }> }>('/cgi-bin/tags/get');
    expect(tags.find((tag) => tag.id === newId)?.count).toBe(25);
  });

  it('keeps the tag sync going when the tag is deleted while fanhook still has its id', async () => {
    const oldId = await tagIdOf('silver');
    await byHand('/cgi-bin/tags/delete', { tag: { id: oldId } });
    await getFanModel(app.connection).insertMany([fanDoc('oSilverNew', now)]);
    await applyTagChanges({
      connection: app.connection,
      openId: 'oSilverNew',
      add: [{ name: 'silver', source: 'manual', by: ADMIN }],
      now,
    });

    await syncTags(); // meets 45159 on the old id: forgets it, creates the tag again
    await syncTags(); // re-tags the 25 fans the first run marked

    const newId = await tagIdOf('silver');
    expect(newId).not.toBe(oldId);
    const { tags } = await app.fanhook.api.get<{ tags: Array<{ id: number; count: number }> }>('/cgi-bin/tags/get');
    expect(tags.find((tag) => tag.id === newId)?.count).toBe(26);
    expect(await getFanModel(app.connection).countDocuments({ tagsDirty: true })).toBe(0);
  });
});

import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { getHandoffModel } from '../../src/handoff/handoff-model.js';
import { sweepHandoffs } from '../../src/handoff/sweep-handoffs.js';
import { ManualClock } from '../../src/lib/clock.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { MONDAY_11_SHANGHAI } from './helpers.js';

const db = useTestDb();
let unreachable: Harness;
let native: Harness;
let templatesDir = '';

const clock = new ManualClock(MONDAY_11_SHANGHAI);

beforeAll(async () => {
  // Staff exist but never wrote to the account, so none can be reached by customer-service message.
  unreachable = await startHarness({ dbUri: db.uri, clock, env: { STAFF_OPENIDS: 'oStaffAway' } });
  const dir = await mkdtemp(path.join(tmpdir(), 'fanhook-native-'));
  templatesDir = dir;
  await cp(path.resolve('templates'), dir, { recursive: true });
  const settings = await readFile(path.join(dir, 'handoff.yaml'), 'utf8');
  await writeFile(path.join(dir, 'handoff.yaml'), settings.replace(/^mode: staff$/m, 'mode: native'));
  native = await startHarness({ dbUri: db.uri, clock, env: { FANHOOK_TEMPLATES_DIR: dir, STAFF_OPENIDS: 'oStaffHere' } });
});
afterAll(async () => {
  await unreachable?.close();
  await native?.close();
  if (templatesDir) {
    await rm(templatesDir, { recursive: true, force: true });
  }
});

const handoffOf = (app: Harness, openId: string) => getHandoffModel(app.connection).findOne({ openId }).sort({ createdAt: -1 }).lean();

describe("WeChat's own customer service", () => {
  it('transfers the fan to WeChat customer service when no staff member can be reached', async () => {
    const result = await unreachable.fan('oFanAlone').sendText('人工客服');
    expect(result.reply?.['MsgType']).toBe('transfer_customer_service');
    expect(await handoffOf(unreachable, 'oFanAlone')).toMatchObject({ status: 'queued', mode: 'native' });
    // While waiting in WeChat's queue, the fan's messages still arrive here: keep forwarding them.
    const again = await unreachable.fan('oFanAlone').sendText('有人吗');
    expect(again.reply?.['MsgType']).toBe('transfer_customer_service');
  });

  it('follows kf_create_session, kf_switch_session and kf_close_session, then the bot resumes', async () => {
    const fan = unreachable.fan('oFanAlone');
    await fan.event('kf_create_session', { KfAccount: 'anna@shopwx' });
    expect(await handoffOf(unreachable, 'oFanAlone')).toMatchObject({ status: 'held', kfAccount: 'anna@shopwx' });
    await fan.event('kf_switch_session', { FromKfAccount: 'anna@shopwx', ToKfAccount: 'ben@shopwx' });
    expect(await handoffOf(unreachable, 'oFanAlone')).toMatchObject({ status: 'held', kfAccount: 'ben@shopwx' });
    await fan.event('kf_close_session', { KfAccount: 'ben@shopwx' });
    expect(await handoffOf(unreachable, 'oFanAlone')).toMatchObject({ status: 'closed', closeReason: 'kf_closed', closedBy: 'ben@shopwx' });
    expect((await getFanModel(unreachable.connection).findOne({ openId: 'oFanAlone' }).lean())?.handoff).toBeUndefined();
    const after = await fan.sendText('谢谢');
    expect(after.reply?.['MsgType']).toBe('text');
  });

  it('records a session an agent opened from the customer-service tools without a trigger', async () => {
    await unreachable.fan('oFanPicked').sendText('随便看看');
    await unreachable.fan('oFanPicked').event('kf_create_session', { KfAccount: 'anna@shopwx' });
    expect(await handoffOf(unreachable, 'oFanPicked')).toMatchObject({ status: 'held', mode: 'native', reason: 'native' });
  });

  it('uses WeChat customer service for every handoff when handoff.yaml says mode: native, without messaging staff', async () => {
    await native.fan('oStaffHere').sendText('/queue');
    const before = native.fake.customMessagesFor('oStaffHere').length;
    const result = await native.fan('oFanNative').sendText('转人工');
    expect(result.reply?.['MsgType']).toBe('transfer_customer_service');
    expect(await handoffOf(native, 'oFanNative')).toMatchObject({ mode: 'native', reason: 'keyword' });
    expect(native.fake.customMessagesFor('oStaffHere')).toHaveLength(before);
  });

  it('gives the fan back to the bot when WeChat customer service never picks the chat up', async () => {
    const fan = unreachable.fan('oFanForgotten');
    expect((await fan.sendText('人工')).reply?.['MsgType']).toBe('transfer_customer_service');
    clock.advance(31 * 60_000);
    await sweepHandoffs(unreachable.fanhook.handoff);
    expect(await handoffOf(unreachable, 'oFanForgotten')).toMatchObject({ status: 'closed', closeReason: 'idle' });
    expect((await fan.sendText('你好')).reply?.['MsgType']).toBe('text');
  });
});

import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import type { OpsMessage } from '../../src/ops-channel/ops-client.js';
import { createWechat4uClient } from '../../src/ops-channel/wechat4u-client.js';

/** Stands in for wechat4u's bot: the same events and methods, no network. */
class FakeWechat4uBot extends EventEmitter {
  static last: FakeWechat4uBot | undefined;
  contacts: Record<string, { UserName: string; NickName?: string; RemarkName?: string }> = {
    '@@g': { UserName: '@@g', NickName: '小满客服群', RemarkName: '运维群' },
    '@@t': { UserName: '@@t', NickName: '运维群' },
    '@u': { UserName: '@u', NickName: 'li', RemarkName: '小李' },
  };
  botData = { PROP: { uin: 42 } };
  started: 'start' | 'restart' | undefined;
  sent: [string, string][] = [];
  constructor(readonly saved?: unknown) {
    super();
    FakeWechat4uBot.last = this;
  }
  start() {
    this.started = 'start';
  }
  restart() {
    this.started = 'restart';
  }
  stop() {}
  async sendMsg(text: string, to: string) {
    this.sent.push([to, text]);
    return {};
  }
}

vi.mock('wechat4u', () => ({ default: FakeWechat4uBot }));

const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fanhook-w4u-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the wechat4u client', () => {
  it('logs in with a QR code the first time, keeps the login, and turns group texts into ops messages', async () => {
    const stateFile = path.join(dir, 'login.json');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const client = await createWechat4uClient({ stateFile, logger });
    const bot = FakeWechat4uBot.last!;
    const seen: OpsMessage[] = [];
    client.onMessage((m) => seen.push(m));
    await client.start();
    expect(bot.started).toBe('start');
    bot.emit('uuid', 'UUID123');
    await vi.waitFor(() =>
      expect(write.mock.calls.some(([text]) => String(text).includes('https://login.weixin.qq.com/qrcode/UUID123'))).toBe(true),
    );
    write.mockRestore();
    bot.emit('login');
    await vi.waitFor(async () => expect(JSON.parse(await readFile(stateFile, 'utf8'))).toEqual({ PROP: { uin: 42 } }));
    bot.emit('message', { MsgType: 1, FromUserName: '@@g', Content: '小李:\n/queue', OriginalContent: '@u:<br/>/queue' });
    bot.emit('message', { MsgType: 3, FromUserName: '@@g', Content: '' });
    expect(seen).toEqual([expect.objectContaining({ isGroup: true, conversationRemark: '运维群', senderRemark: '小李', text: '/queue' })]);
    // By the remark the ops account gave the group; a group merely titled so does not count.
    expect(client.findGroup('运维群')).toBe('@@g');
    expect(client.findGroup('小满客服群')).toBeUndefined();
    await client.send('@@g', '收到');
    expect(bot.sent).toEqual([['@@g', '收到']]);
  });

  it('resumes a saved login without a new scan', async () => {
    const stateFile = path.join(dir, 'login.json');
    await writeFile(stateFile, JSON.stringify({ PROP: { uin: 7 } }));
    const client = await createWechat4uClient({ stateFile, logger });
    await client.start();
    expect(FakeWechat4uBot.last!.saved).toEqual({ PROP: { uin: 7 } });
    expect(FakeWechat4uBot.last!.started).toBe('restart');
  });
});

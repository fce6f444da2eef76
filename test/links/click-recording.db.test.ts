/**
 * How clicks reach `link_clicks` under load and at shutdown: a burst is written in full (one
 * first click per fan and link, the rest repeats), the queue's bound drops and logs what it
 * cannot hold, and a fanhook process stopped with SIGTERM writes the clicks it still has.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { systemClock } from '../../src/lib/clock.js';
import { loadConfig } from '../../src/config.js';
import { getLinkClickModel } from '../../src/links/link-click-model.js';
import { fanToken } from '../../src/links/link-signing.js';
import { LinkTracker } from '../../src/links/link-tracker.js';
import { ClickRecorder, type Click } from '../../src/links/record-click.js';
import { fanDoc } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startFanhookProcess, type FanhookProcess } from '../support/fanhook-process.js';
import { TEST_TOKEN } from '../support/harness.js';
import { DESKTOP_UA, PUBLIC_URL } from './link-support.js';

const db = useTestDb();
const APP_SECRET = '0123456789abcdef0123456789abcdef';
const processes: FanhookProcess[] = [];
const closers: (() => Promise<void>)[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  for (const child of processes) {
    await child.kill('SIGKILL');
  }
  for (const close of closers) {
    await close();
  }
  for (const dir of dataDirs) {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A logger that keeps what it logs. */
function keptLogger(): { logger: pino.Logger; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, entries };
}

/** A TCP relay to the database that can stop passing anything on (`hold`) and go on (`release`). */
async function startDatabaseHold(
  uri: string,
): Promise<{ uriFor(uri: string): string; hold(): void; release(): void; close(): Promise<void> }> {
  const target = new URL(uri);
  const sockets = new Set<net.Socket>();
  let held = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
      if (held) {
        socket.pause();
      }
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    uriFor: (original) => original.replace(`${target.hostname}:${target.port}`, `127.0.0.1:${port}`),
    hold() {
      held = true;
      sockets.forEach((socket) => socket.pause());
    },
    release() {
      held = false;
      sockets.forEach((socket) => socket.resume());
    },
    async close() {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const clicks = (filter: Record<string, unknown>) => getLinkClickModel(db.connection).countDocuments(filter);

describe('recording link clicks', () => {
  it('writes a burst of clicks in full: one first click per fan and link, the others repeats, anonymous ones as they come', async () => {
    await getFanModel(db.connection).insertMany(Array.from({ length: 50 }, (_, i) => fanDoc(`oBurst${i}`, new Date())));
    const { logger, entries } = keptLogger();
    const recorder = new ClickRecorder(db.connection, logger, { maxBatch: 200, inFlight: 2 });
    const at = new Date();
    // 2,000 clicks queued at once: 50 fans opening two links of broadcast 71 ten times each, and 1,000 anonymous ones.
    for (let round = 0; round < 10; round += 1) {
      for (let fan = 0; fan < 50; fan += 1) {
        for (const code of ['BurstLinkA01', 'BurstLinkB01']) {
          recorder.record({ link: { code, broadcast: 71 }, openId: `oBurst${fan}`, via: 'signed', at } satisfies Click);
        }
        recorder.record({ link: { code: 'BurstLinkA01', broadcast: 71 }, via: 'anonymous', at });
        recorder.record({ link: { code: 'BurstLinkB01', broadcast: 71 }, via: 'anonymous', at });
      }
    }
    await recorder.close();
    expect(await clicks({ broadcast: 71 })).toBe(2_000);
    expect(await clicks({ broadcast: 71, first: true })).toBe(100);
    expect(await clicks({ broadcast: 71, first: false })).toBe(900);
    expect(await clicks({ broadcast: 71, openId: { $exists: false } })).toBe(1_000);
    expect(await clicks({ _id: 'BurstLinkA01:oBurst7', first: true })).toBe(1);
    expect(await getFanModel(db.connection).countDocuments({ openId: /^oBurst/, clickedBroadcasts: [71] })).toBe(50);
    expect(entries.filter((entry) => entry['msg'] === 'link clicks not recorded')).toEqual([]);

    // A later click of a fan whose first click is stored is a repeat, also from a new recorder (another instance).
    const other = new ClickRecorder(db.connection, logger);
    other.record({ link: { code: 'BurstLinkA01', broadcast: 71 }, openId: 'oBurst7', via: 'oauth', at: new Date() });
    await other.close();
    expect(await clicks({ _id: /^BurstLinkA01:oBurst7$/ })).toBe(1);
    expect(await clicks({ code: 'BurstLinkA01', openId: 'oBurst7' })).toBe(11);
  });

  it('drops the clicks beyond its bound and logs how many', async () => {
    const { logger, entries } = keptLogger();
    const recorder = new ClickRecorder(db.connection, logger, { maxQueued: 100 });
    for (let i = 0; i < 130; i += 1) {
      recorder.record({ link: { code: 'BoundLink001' }, via: 'anonymous', at: new Date() });
    }
    await recorder.close();
    expect(await clicks({ code: 'BoundLink001' })).toBe(100);
    const logged = entries.filter((entry) => entry['msg'] === 'link clicks not recorded');
    expect(logged.reduce((sum, entry) => sum + Number(entry['clicks']), 0)).toBe(30);
    expect(logged[0]).toMatchObject({ reason: 'too many clicks waiting for the database' });
  });

  it('writes the clicks still queued when the process is stopped with SIGTERM', async () => {
    const secret = loadConfig({
      WECHAT_TOKEN: TEST_TOKEN,
      WECHAT_APPID: 'wx0123456789abcdef',
      WECHAT_APPSECRET: APP_SECRET,
      FANHOOK_PUBLIC_URL: PUBLIC_URL,
    }).links!.secret;
    const tracker = new LinkTracker({ connection: db.connection, clock: systemClock, publicUrl: PUBLIC_URL, secret });
    const code = await tracker.codeFor('b:72', 'https://shop.example.com/sigterm', 72);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-clicks-sigterm-'));
    dataDirs.push(dataDir);
    const proxy = await startDatabaseHold(db.uri);
    closers.push(() => proxy.close());
    const child = await startFanhookProcess({
      env: {
        MONGODB_URI: proxy.uriFor(db.uri),
        WECHAT_APPID: 'wx0123456789abcdef',
        WECHAT_APPSECRET: APP_SECRET,
        WECHAT_API_BASE: 'http://127.0.0.1:9',
        FANHOOK_PUBLIC_URL: PUBLIC_URL,
        FANHOOK_ROLE: 'web',
        FANHOOK_DATA_DIR: dataDir,
      },
    });
    processes.push(child);
    // The first opening caches the link; then the database stops answering, so the clicks queue up.
    const open = async (i: number): Promise<number> => {
      const fan = i % 2 ? '' : `/${fanToken(secret, code, `oTerm${(i / 2) % 100}`)}`;
      const answer = await fetch(`${child.url}/l/${code}${fan}`, { redirect: 'manual', headers: { 'user-agent': DESKTOP_UA } });
      await answer.arrayBuffer();
      return answer.status;
    };
    expect(await open(1)).toBe(302);
    proxy.hold();
    const OPENS = 1_000;
    const statuses = await Promise.all(Array.from({ length: OPENS }, (_, i) => open(i + 2)));
    expect(statuses.every((status) => status === 302)).toBe(true);
    const stopped = child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.release();
    expect(await stopped).toEqual({ code: 0, signal: null });
    expect(await clicks({ broadcast: 72 })).toBe(OPENS + 1);
    expect(await clicks({ broadcast: 72, first: true })).toBe(100);
    expect(child.output()).not.toContain('link clicks not recorded');
  });
});

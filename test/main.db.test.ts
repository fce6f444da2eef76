import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWechatApi, type FakeWechatApi } from '../src/devtools/fake-wechat-api.js';
import { useTestDb } from './support/db.js';
import { waitFor } from './support/wait-for.js';

const db = useTestDb();
const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
let fake: FakeWechatApi;

beforeAll(async () => {
  fake = await startFakeWechatApi();
});
afterAll(async () => {
  await fake?.close();
});

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function runMain(env: Record<string, string>): Run {
  const child = spawn(tsx, ['src/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
  const run: Run = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

describe('the fanhook process', () => {
  it('refuses to start on invalid configuration with one line naming the variable', async () => {
    const run = runMain({ WECHAT_APPID: fake.appId, WECHAT_APPSECRET: fake.appSecret, MONGODB_URI: db.uri });
    expect(await run.exited).toBe(78);
    expect(run.stderr.trim()).toBe('fanhook: Invalid configuration: WECHAT_TOKEN is required');
  });

  it('refuses to start in production without MONGODB_URI instead of starting a local database', async () => {
    const run = runMain({
      NODE_ENV: 'production',
      WECHAT_TOKEN: 'processtoken',
      WECHAT_APPID: fake.appId,
      WECHAT_APPSECRET: fake.appSecret,
    });
    expect(await run.exited).toBe(78);
    expect(run.stderr.trim()).toBe('fanhook: Invalid configuration: MONGODB_URI is required when NODE_ENV=production');
  });

  it('becomes ready, then on SIGTERM stops taking requests and exits cleanly within 10 s', async () => {
    const port = await freePort();
    const run = runMain({
      WECHAT_TOKEN: 'processtoken',
      WECHAT_APPID: fake.appId,
      WECHAT_APPSECRET: fake.appSecret,
      WECHAT_API_BASE: fake.url,
      MONGODB_URI: db.uri,
      PORT: String(port),
    });
    const ready = await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      20_000,
    );
    expect(ready).toBe(200);
    expect(run.stdout).not.toContain(fake.appSecret);

    const stoppedAt = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow('fetch failed');
    expect(run.stdout).toContain('shutting down');
  }, 40_000);
});

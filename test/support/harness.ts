/**
 * Starts a real fanhook instance (HTTP server, real database, the project's fake WeChat API)
 * for integration tests, and gives them simulated fans that send signed callbacks.
 */
import { Writable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import { loadConfig, type Config } from '../../src/config.js';
import { startFakeWechatApi, type FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';
import { SimulatedFan, type CallbackMode } from '../../src/devtools/simulated-fan.js';
import { createFanhook, type Fanhook, type FanhookOptions } from '../../src/fanhook.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';

export const TEST_TOKEN = 'fanhooktesttoken';
export const TEST_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const TEST_ACCOUNT = 'gh_fanhook_test';

export interface HarnessOptions {
  /** Database URI (from useTestDb().uri); two harnesses on one URI share the database. */
  dbUri: string;
  /** Extra environment for loadConfig (e.g. ADMIN_OPENIDS, FANHOOK_REPLY_DEADLINE_MS). */
  env?: Record<string, string>;
  /** Enables compatible/safe mode by configuring an EncodingAESKey. */
  aes?: boolean;
  /** Reuse another harness's fake WeChat API (two instances, one account). */
  fake?: FakeWechatApi;
  clock?: Clock;
  wrapRun?: FanhookOptions['wrapRun'];
  /** Replaces fetch for the instance's WeChat API calls (e.g. to simulate it dying mid-call). */
  fetch?: typeof fetch;
  /** A fake personal-WeChat client: enables the ops channel (test/ops-channel). */
  opsClient?: FanhookOptions['opsClient'];
  /** Start the Agenda worker (off by default: most tests drive jobs directly). */
  startJobs?: boolean;
}

export interface Harness {
  readonly url: string;
  readonly callbackUrl: string;
  readonly fanhook: Fanhook;
  readonly fake: FakeWechatApi;
  readonly connection: Connection;
  readonly config: Config;
  /** Everything the instance logged, as JSON lines. */
  readonly logs: string[];
  /** A simulated fan (or admin/staff: the role is just the openid) talking to this instance. */
  fan(openId: string, mode?: CallbackMode): SimulatedFan;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const ownFake = !options.fake;
  const fake = options.fake ?? (await startFakeWechatApi());
  const config = loadConfig({
    NODE_ENV: 'test',
    WECHAT_TOKEN: TEST_TOKEN,
    WECHAT_APPID: fake.appId,
    WECHAT_APPSECRET: fake.appSecret,
    WECHAT_API_BASE: fake.url,
    WECHAT_MP_BASE: fake.url,
    WECHAT_OAUTH_BASE: fake.url,
    MONGODB_URI: options.dbUri,
    PORT: '0',
    LOG_LEVEL: 'debug',
    ...(options.aes ? { WECHAT_AES_KEY: TEST_AES_KEY } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString('utf8'));
        callback();
      },
    }),
  });
  const connection = await mongoose.createConnection(options.dbUri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  const fanhook = await createFanhook({
    config,
    connection,
    logger,
    clock: options.clock,
    wrapRun: options.wrapRun,
    fetch: options.fetch,
    opsClient: options.opsClient,
    jobPollInterval: 200,
  });
  if (options.startJobs) {
    await fanhook.startJobs();
  }
  const port = await fanhook.listen(0);
  const { url, callbackUrl, fanOf } = callbackEndpoint(port, fake.appId);
  return {
    url,
    callbackUrl,
    fanhook,
    fake,
    connection,
    config,
    logs,
    fan: fanOf,
    async close() {
      await fanhook.stop(2_000);
      await connection.close();
      if (ownFake) {
        await fake.close();
      }
    },
  };
}

/**
 * The addresses of a fanhook listening on `port` with the test configuration, and a simulated
 * fan of the test account sending signed callbacks to it (encrypted with the test key when
 * `mode` is not plain; `appId`, the AppID the key belongs to, is needed only then).
 */
export function callbackEndpoint(
  port: number,
  appId?: string,
): { url: string; callbackUrl: string; fanOf: (openId: string, mode?: CallbackMode) => SimulatedFan } {
  const url = `http://127.0.0.1:${port}`;
  const callbackUrl = `${url}/wechat`;
  const fanOf = (openId: string, mode: CallbackMode = 'plain'): SimulatedFan => {
    if (mode !== 'plain' && appId === undefined) {
      throw new Error(`a ${mode}-mode fan needs the AppID its key belongs to`);
    }
    return new SimulatedFan({
      url: callbackUrl,
      token: TEST_TOKEN,
      openId,
      accountId: TEST_ACCOUNT,
      mode,
      ...(mode === 'plain' ? {} : { aesKey: TEST_AES_KEY, appId }),
    });
  };
  return { url, callbackUrl, fanOf };
}

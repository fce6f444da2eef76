/**
 * `npm run dev`: the whole playground in one process tree — the fake WeChat API (on the port
 * of WECHAT_API_BASE), then fanhook itself (main.ts), which starts the local database when
 * MONGODB_URI is unset. Chat with it from another terminal with `npm run simulate`.
 */
import { startFakeWechatApi } from './fake-wechat-api.js';

async function dev(): Promise<void> {
  const env = process.env;
  const apiBase = new URL(env.WECHAT_API_BASE ?? 'http://127.0.0.1:3900');
  if (!['127.0.0.1', 'localhost'].includes(apiBase.hostname)) {
    throw new Error(`npm run dev runs a fake WeChat API; WECHAT_API_BASE must be local, got ${apiBase.origin}`);
  }
  const fake = await startFakeWechatApi({
    port: Number(apiBase.port || 80),
    appId: env.WECHAT_APPID,
    appSecret: env.WECHAT_APPSECRET,
    callback: {
      url: `http://127.0.0.1:${env.PORT ?? '3000'}/wechat`,
      token: env.WECHAT_TOKEN ?? '',
      ...(env.WECHAT_AES_KEY ? { aesKey: env.WECHAT_AES_KEY } : {}),
    },
  });
  console.log(`fake WeChat API on ${fake.url}`);
  console.log(`try it: npm run simulate            (as a fan)`);
  console.log(`        npm run simulate -- --as admin   (then /help)`);
  await import('../main.js');
}

dev().catch((error: unknown) => {
  console.error(`npm run dev: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

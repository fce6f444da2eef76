/**
 * Runs the fake WeChat API standalone for local development and the simulator:
 *   npm run fake-wechat -- --port 3900 --callback http://127.0.0.1:3000/wechat --token X
 * and prints each call in one line. Credentials default to WECHAT_APPID / WECHAT_APPSECRET
 * so fanhook and the fake agree when both read the same environment.
 */
import { parseArgs } from 'node:util';
import { startFakeWechatApi, type RecordedCall } from './fake-wechat-api.js';

const USAGE = `usage: npm run fake-wechat -- [--port 3900] [--callback URL --token TOKEN [--aes-key KEY]] [--appid ID] [--secret S]`;

const color = process.stdout.isTTY
  ? (code: number, text: string) => `\u001b[${code}m${text}\u001b[0m`
  : (_code: number, text: string) => text;

/** One line per call: time, method, path, errcode, a short body. */
function formatCall(call: RecordedCall): string {
  const time = call.at.toTimeString().slice(0, 8);
  const body = call.body === undefined ? '' : JSON.stringify(call.body);
  const short = body.length > 160 ? `${body.slice(0, 157)}...` : body;
  const code = call.errcode === 0 ? color(32, 'ok') : color(31, String(call.errcode));
  const flag = call.unexpected ? color(33, ' UNEXPECTED') : '';
  return `${color(90, time)} ${call.method.padEnd(4)} ${call.path} → ${code}${flag} ${color(90, short)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3900' },
      callback: { type: 'string' },
      token: { type: 'string' },
      'aes-key': { type: 'string' },
      appid: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const token = values.token ?? process.env.WECHAT_TOKEN;
  if (values.callback && !token) {
    throw new Error(`--callback needs --token (or WECHAT_TOKEN)\n${USAGE}`);
  }
  const aesKey = values['aes-key'] ?? process.env.WECHAT_AES_KEY;
  const fake = await startFakeWechatApi({
    port: Number(values.port),
    appId: values.appid ?? process.env.WECHAT_APPID,
    appSecret: values.secret ?? process.env.WECHAT_APPSECRET,
    callback: values.callback && token ? { url: values.callback, token, ...(aesKey ? { aesKey } : {}) } : undefined,
    onCall: (call) => console.log(formatCall(call)),
  });
  console.log(`fake WeChat API on ${fake.url} (appid ${fake.appId}) — set WECHAT_API_BASE=${fake.url}`);
  console.log(
    values.callback
      ? `MASSSENDJOBFINISH and TEMPLATESENDJOBFINISH pushes go to ${values.callback}`
      : 'no --callback: MASSSENDJOBFINISH and TEMPLATESENDJOBFINISH pushes disabled',
  );
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

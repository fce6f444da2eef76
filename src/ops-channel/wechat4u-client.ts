/**
 * The real OpsClient: a personal WeChat logged in through wechat4u (the web-WeChat / UOS
 * protocol — WeChat may refuse it for some accounts). The login QR code is printed in the
 * terminal; the login is saved so a restart does not need a new scan.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Logger } from '../lib/logger.js';
import type { OpsClient, OpsMessage } from './ops-client.js';
import { toOpsMessage, type Wechat4uContactLike, type Wechat4uMessageLike } from './to-ops-message.js';

/** The part of wechat4u's bot used here (the package ships no types). */
interface Wechat4uBot {
  botData: unknown;
  contacts: Record<string, Wechat4uContactLike>;
  on(event: string, handler: (...args: never[]) => void): void;
  start(): void;
  restart(): void;
  stop(): void;
  sendMsg(text: string, toUserName: string): Promise<unknown>;
}
type Wechat4uConstructor = new (botData?: unknown) => Wechat4uBot;

export interface Wechat4uClientOptions {
  stateFile: string;
  logger: Logger;
}

/** Imports wechat4u now (it is optional) and wraps it. */
export async function createWechat4uClient(options: Wechat4uClientOptions): Promise<OpsClient> {
  const specifier = 'wechat4u';
  const module = (await import(specifier)) as { default: Wechat4uConstructor };
  const saved = await readFile(options.stateFile, 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => undefined,
  );
  const bot = new module.default(saved);
  const handlers: ((message: OpsMessage) => void)[] = [];
  bot.on('uuid', (uuid: never) => void printLoginQr(String(uuid), options.logger));
  bot.on('login', () => {
    options.logger.info('ops channel: personal WeChat logged in');
    void writeFile(options.stateFile, JSON.stringify(bot.botData)).catch(() => undefined);
  });
  bot.on('logout', () => options.logger.warn('ops channel: personal WeChat logged out'));
  bot.on('error', (error: never) => options.logger.warn({ err: String(error) }, 'ops channel: wechat4u error'));
  bot.on('message', (raw: never) => {
    const message = toOpsMessage(raw as Wechat4uMessageLike, bot.contacts);
    if (!message) {
      return;
    }
    for (const handler of handlers) {
      handler(message);
    }
  });
  return {
    async start() {
      if (saved) {
        bot.restart();
      } else {
        bot.start();
      }
    },
    async stop() {
      bot.stop();
    },
    onMessage(handler) {
      handlers.push(handler);
    },
    async send(conversationId, text) {
      await bot.sendMsg(text, conversationId);
    },
    findGroup(remark) {
      // The remark only: a group's title can be changed by any member.
      return Object.values(bot.contacts).find((c) => c.UserName.startsWith('@@') && c.RemarkName?.trim() === remark)?.UserName;
    },
  };
}

/** Prints the login QR code in the terminal when qrcode-terminal is installed, and its link always. */
async function printLoginQr(uuid: string, logger: Logger): Promise<void> {
  const link = `https://login.weixin.qq.com/l/${uuid}`;
  try {
    const specifier = 'qrcode-terminal';
    const qrcode = (await import(specifier)) as { default: { generate(text: string, options: { small: boolean }): void } };
    qrcode.default.generate(link, { small: true });
  } catch {
    // Optional: without it the image link below works in any browser.
  }
  process.stdout.write(`用运维微信扫码登录 / scan with the ops WeChat: https://login.weixin.qq.com/qrcode/${uuid}\n`);
  logger.info({ uuid }, 'ops channel: waiting for QR login');
}

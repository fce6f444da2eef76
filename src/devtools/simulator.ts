/**
 * Terminal chat with a running fanhook as a fan, admin or staff (SPEC.md §10):
 *   npm run simulate -- --as fan --openid oFAN1 [--url http://127.0.0.1:3000/wechat]
 *     [--token …] [--aes-key … --appid …] [--mode safe|compatible|plain] [--fake http://127.0.0.1:3900]
 *     [--images DIR]   (received images are saved there; default $FANHOOK_DATA_DIR/simulator-images)
 * Text lines are fan messages; lines starting with `:` are simulator actions (admin commands
 * start with `/`, so they stay plain text). A thin shell over SimulatedFan; the fake WeChat
 * API is polled for customer-service messages that reach the current openid.
 */
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { openLinkAs } from './open-link.js';
import { saveReceivedImage } from './save-received-image.js';
import { describeReply, SimulatedFan, type CallbackMode, type SimulatedReply } from './simulated-fan.js';

const HELP = `actions:
  <text>                 send a text message (admin commands like /stats are text too)
  :follow [scene]        follow (with a QR scene: qrscene_<scene>)
  :unfollow              unfollow
  :scan SCENE            scan a parametric QR code while following
  :click KEY             tap a click menu button
  :view URL              tap a view menu button
  :location LAT LNG [label]   share a location
  :image | :voice [recognition] | :link URL
  :open URL              open a link in WeChat's browser as the current fan (tracked links, needs --fake)
  :as OPENID             speak as another openid
  :help | :quit`;

const tty = process.stdout.isTTY === true;
const paint = (code: number) => (text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const dim = paint(90);
const green = paint(32);
const cyan = paint(36);
const yellow = paint(33);
const red = paint(31);

const clock = (): string => dim(new Date().toTimeString().slice(0, 8));

/** One line for a message body the fake recorded (custom/send, mass, preview JSON). */
function describeApiMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) {
    return String(body);
  }
  const msg = body as Record<string, unknown>;
  if (typeof msg.template_id === 'string') {
    return describeNotice(msg);
  }
  const type = typeof msg.msgtype === 'string' ? msg.msgtype : '?';
  const object = msg[type === 'image' && msg.images ? 'images' : type];
  const fields = typeof object === 'object' && object !== null ? (object as Record<string, unknown>) : {};
  if (type === 'text') {
    return String(fields.content ?? '');
  }
  if (type === 'msgmenu') {
    const items = Array.isArray(fields.list) ? fields.list : [];
    const lines = items.map((item) => {
      const entry = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      return `  [${String(entry.id ?? '')}] ${String(entry.content ?? '')}`;
    });
    return [String(fields.head_content ?? ''), ...lines, String(fields.tail_content ?? '')].filter(Boolean).join('\n');
  }
  if (type === 'news' && Array.isArray(fields.articles)) {
    return fields.articles.map((a) => `[图文] ${String((a as Record<string, unknown>).title ?? '')}`).join('\n');
  }
  return `[${type}] ${JSON.stringify(fields)}`;
}

/** A service notice as WeChat shows it: one `keyword: value` line per field. */
function describeNotice(msg: Record<string, unknown>): string {
  const data = typeof msg.data === 'object' && msg.data !== null ? (msg.data as Record<string, { value?: unknown }>) : {};
  const lines = Object.entries(data).map(([key, field]) => `  ${key}: ${String(field?.value ?? '')}`);
  return [`模板 ${String(msg.template_id)}`, ...lines, ...(typeof msg.url === 'string' ? [`  详情 ${msg.url}`] : [])].join('\n');
}

const VIA_LABEL: Record<string, string> = { custom: '[客服消息]', mass: '[群发]', preview: '[群发预览]', notice: '[服务通知]' };

interface Printer {
  (text: string): void;
}

/** Polls the fake's `/__fake/messages` for the current openid and prints what arrives. */
class InboxPoller {
  private since = 0;
  private openId = '';
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(
    private readonly fakeUrl: string,
    private readonly print: Printer,
    /** Where received images are saved (a terminal cannot show them). */
    private readonly imageDir: string,
  ) {}

  /** Switches to an openid, skipping what it received before (old messages are not news). */
  async watch(openId: string): Promise<void> {
    this.openId = openId;
    this.since = (await this.fetchPage(openId, 0))?.next ?? 0;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async fetchPage(
    openId: string,
    since: number,
  ): Promise<{ next: number; messages: { via: string; body: unknown }[] } | undefined> {
    try {
      const response = await fetch(`${this.fakeUrl}/__fake/messages?openid=${encodeURIComponent(openId)}&since=${since}`);
      this.warned = false;
      return (await response.json()) as { next: number; messages: { via: string; body: unknown }[] };
    } catch {
      if (!this.warned) {
        this.print(yellow(`(fake WeChat API at ${this.fakeUrl} is not answering; customer-service messages will not show)`));
      }
      this.warned = true;
      return undefined;
    }
  }

  private async poll(): Promise<void> {
    const openId = this.openId;
    const page = await this.fetchPage(openId, this.since);
    if (!page || openId !== this.openId) {
      return;
    }
    this.since = page.next;
    for (const message of page.messages) {
      this.print(`${clock()} ${cyan(VIA_LABEL[message.via] ?? `[${message.via}]`)} ${await this.describe(message.body)}`);
    }
  }

  /** An image message is saved to a file and shown as its path; other messages as one line. */
  private async describe(body: unknown): Promise<string> {
    const mediaId = imageMediaIdOf(body);
    if (mediaId === undefined) {
      return describeApiMessage(body);
    }
    const file = await saveReceivedImage(this.fakeUrl, mediaId, this.imageDir).catch(() => null);
    return file ? `[图片] saved to ${file}` : `[图片 ${mediaId}]`;
  }
}

/** The media id of a customer-service image message body, if it is one. */
function imageMediaIdOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) {
    return undefined;
  }
  const msg = body as Record<string, unknown>;
  const image = msg.image;
  if (msg.msgtype !== 'image' || typeof image !== 'object' || image === null) {
    return undefined;
  }
  const mediaId = (image as Record<string, unknown>).media_id;
  return typeof mediaId === 'string' ? mediaId : undefined;
}

/** A readable reason; fetch hides the useful part (ECONNREFUSED, timeout) in `cause`. */
function explain(err: unknown, url: string): string {
  if (!(err instanceof Error)) {
    return String(err);
  }
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause ? String(cause.code) : '';
  if (code === 'ECONNREFUSED') {
    return `fanhook is not answering at ${url} (is it running?)`;
  }
  if (err.name === 'TimeoutError') {
    return `no answer from ${url} in time`;
  }
  return cause ? `${err.message}: ${cause.message}` : err.message;
}

function showReply(print: Printer, result: SimulatedReply): void {
  if (result.status !== 200) {
    print(`${clock()} ${red(`HTTP ${result.status}`)} ${result.replyXml.slice(0, 200)}`);
    return;
  }
  const lock = result.encrypted ? (result.signatureValid ? ' 🔒' : red(' 🔒 bad MsgSignature')) : '';
  print(`${clock()} ${green('◀')} ${describeReply(result.reply)} ${dim(`(${result.elapsedMs} ms)`)}${lock}`);
}

/** Runs one `:action`; returns false on :quit. */
async function runAction(fan: SimulatedFan, line: string, print: Printer, poller?: InboxPoller, fakeUrl?: string): Promise<boolean> {
  const [name = '', ...args] = line.slice(1).trim().split(/\s+/);
  const rest = args.join(' ');
  const need = (value: string | undefined, usage: string): string => {
    if (!value) {
      throw new Error(`usage: ${usage}`);
    }
    return value;
  };
  let result: SimulatedReply | undefined;
  switch (name) {
    case 'quit':
    case 'q':
    case 'exit':
      return false;
    case 'help':
      print(HELP);
      return true;
    case 'as':
      fan.openId = need(args[0], ':as OPENID');
      await poller?.watch(fan.openId);
      print(dim(`now speaking as ${fan.openId}`));
      return true;
    case 'follow':
      result = await fan.follow(args[0]);
      break;
    case 'unfollow':
      result = await fan.unfollow();
      break;
    case 'scan':
      result = await fan.scan(need(args[0], ':scan SCENE'));
      break;
    case 'click':
      result = await fan.click(need(args[0], ':click KEY'));
      break;
    case 'view':
      result = await fan.view(need(args[0], ':view URL'));
      break;
    case 'location': {
      const [lat, lng] = [Number(args[0]), Number(args[1])];
      if (!Number.isFinite(lat) || !Number.isFinite(lng)) {
        throw new Error('usage: :location LAT LNG [label]');
      }
      result = await fan.location(lat, lng, args.slice(2).join(' '));
      break;
    }
    case 'image':
      result = await fan.image();
      break;
    case 'voice':
      result = await fan.voice(rest || undefined);
      break;
    case 'link':
      result = await fan.link(need(args[0], ':link URL'));
      break;
    case 'open': {
      if (!fakeUrl) {
        throw new Error(':open needs --fake (the fake WeChat API serves the authorize page)');
      }
      const opened = await openLinkAs({ url: need(args[0], ':open URL'), openId: fan.openId, fakeUrl });
      for (const hop of opened.hops) {
        print(`${clock()} ${dim(`${hop.status} ${hop.url}`)}`);
      }
      print(opened.landedOn ? `${clock()} ${green('→')} ${opened.landedOn}` : `${clock()} ${red(`stopped at HTTP ${opened.status}`)}`);
      return true;
    }
    default:
      throw new Error(`unknown action :${name} — try :help`);
  }
  showReply(print, result);
  return true;
}

function options() {
  const { values } = parseArgs({
    options: {
      as: { type: 'string', default: 'fan' },
      openid: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      'aes-key': { type: 'string' },
      appid: { type: 'string' },
      mode: { type: 'string' },
      account: { type: 'string' },
      fake: { type: 'string' },
      images: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const env = process.env;
  const role = values.as;
  if (role !== 'fan' && role !== 'admin' && role !== 'staff') {
    throw new Error('--as must be fan, admin or staff');
  }
  // Admin and staff are only openids fanhook knows by role; default to the first configured one.
  const firstOf = (list: string | undefined): string | undefined =>
    list
      ?.split(',')
      .map((s) => s.trim())
      .find(Boolean);
  const defaultOpenId = { fan: 'oFAN1', admin: firstOf(env.ADMIN_OPENIDS) ?? 'oADMIN1', staff: firstOf(env.STAFF_OPENIDS) ?? 'oSTAFF1' }[
    role
  ];
  const token = values.token ?? env.WECHAT_TOKEN;
  if (!token) {
    throw new Error('--token (or WECHAT_TOKEN) is required: the callback token fanhook verifies');
  }
  const aesKey = values['aes-key'] ?? env.WECHAT_AES_KEY;
  const mode = (values.mode ?? (aesKey ? 'safe' : 'plain')) as CallbackMode;
  if (!['plain', 'compatible', 'safe'].includes(mode)) {
    throw new Error('--mode must be plain, compatible or safe');
  }
  const apiBase = env.WECHAT_API_BASE;
  const fake = values.fake ?? (apiBase && /\/\/(127\.0\.0\.1|localhost)[:/]/.test(apiBase) ? apiBase : undefined);
  return {
    help: values.help === true,
    role,
    fake: fake?.replace(/\/+$/, ''),
    imageDir: values.images ?? path.join(env.FANHOOK_DATA_DIR ?? './data', 'simulator-images'),
    fan: {
      url: values.url ?? `http://127.0.0.1:${env.PORT ?? '3000'}/wechat`,
      token,
      openId: values.openid ?? defaultOpenId,
      accountId: values.account,
      aesKey: mode === 'plain' ? undefined : aesKey,
      appId: values.appid ?? env.WECHAT_APPID,
      mode,
    },
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(
      `usage: npm run simulate -- --as fan|admin|staff --openid oFAN1 [--url URL] [--token T] [--aes-key K --appid ID] [--mode safe|compatible|plain] [--fake URL] [--images DIR]\n${HELP}`,
    );
    return;
  }
  const opts = options();
  const fan = new SimulatedFan(opts.fan);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '' });
  const setPrompt = (): void => rl.setPrompt(`${yellow(opts.role)} ${fan.openId}> `);
  // Async output (customer-service messages) must not land in the middle of what is being typed.
  const print: Printer = (text) => {
    if (tty) {
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
    }
    console.log(text);
    if (tty) {
      rl.prompt(true);
    }
  };
  const poller = opts.fake ? new InboxPoller(opts.fake, print, opts.imageDir) : undefined;
  console.log(
    `${cyan('fanhook simulator')} · ${opts.role} ${fan.openId} → ${opts.fan.url} · ${fan.mode} mode` +
      ` · ${opts.fake ? `fake API ${opts.fake}` : 'no --fake: customer-service messages hidden'} · :help`,
  );
  setPrompt();
  rl.prompt();
  // Lines are handled one at a time, in order, even when pasted in a burst; the line listener
  // is attached before any await so piped input is not dropped while the inbox cursor loads.
  let queue = (poller ? poller.watch(fan.openId) : Promise.resolve()).then(() => {
    poller?.start();
    return true;
  });
  rl.on('line', (raw) => {
    const line = raw.trim();
    queue = queue
      .then(async (running) => {
        if (!running || line === '') {
          return running;
        }
        try {
          if (line.startsWith(':')) {
            const goOn = await runAction(fan, line, print, poller, opts.fake);
            if (!goOn) {
              rl.close();
            }
            return goOn;
          }
          showReply(print, await fan.sendText(line));
        } catch (err) {
          print(red(explain(err, opts.fan.url)));
        }
        return true;
      })
      .finally(() => {
        setPrompt();
        rl.prompt();
      });
  });
  // Piped input closes stdin right after the last line; finish what is queued before leaving.
  rl.on('close', () => {
    void queue.finally(() => {
      poller?.stop();
      console.log(dim('bye'));
      process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

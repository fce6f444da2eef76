/**
 * The wechat4u ops channel: the same staff notifications and commands as the official
 * account, in a personal-WeChat group (its members are staff) or a private chat with a
 * listed name. Staff here are `ops:<name>`. In the group, only commands and `#id text`
 * reach fans, so ordinary team chatter never does.
 */
import type { Logger } from '../lib/logger.js';
import { parseCommand } from '../admin/parse-command.js';
import { endHandoff } from '../handoff/end-handoff.js';
import { OPS_STAFF_PREFIX, type HandoffDeps, type StaffChannel } from '../handoff/handoff-deps.js';
import { queueListing } from '../handoff/queue-listing.js';
import { relayToFan } from '../handoff/relay-to-fan.js';
import { normalizeShortId } from '../handoff/short-id.js';
import { takeHandoff } from '../handoff/take-handoff.js';
import type { TextMessage } from '../wechat/inbound.js';
import type { OpsClient, OpsMessage } from './ops-client.js';

export interface OpsChannelOptions {
  client: OpsClient;
  handoff: HandoffDeps;
  /** Group for notifications; its members may use staff commands. */
  group?: string;
  /** Names allowed to use staff commands in a private chat. */
  staffNames: readonly string[];
  logger: Logger;
}

const HELP = '运维微信可用命令：/queue（排队）、/take 编号（接入）、/end [编号]（结束）；群里用「#编号 内容」回复粉丝。';

/** Staff notifications and commands over a personal-WeChat client. */
export class OpsChannel implements StaffChannel {
  /** Where each ops staff member last wrote from, to answer them there. */
  private readonly lastSeen = new Map<string, string>();
  /** Messages in flight, so tests and shutdown can wait for them. */
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly options: OpsChannelOptions) {
    options.client.onMessage((message) => {
      this.pending = this.pending
        .then(() => this.handle(message))
        .catch((error: unknown) => options.logger.error({ err: error }, 'ops channel: message failed'));
    });
  }

  start(): Promise<void> {
    return this.options.client.start();
  }

  async stop(): Promise<void> {
    await this.pending;
    await this.options.client.stop();
  }

  /** Resolves when every message received so far has been handled. */
  idle(): Promise<void> {
    return this.pending;
  }

  async broadcast(text: string): Promise<boolean> {
    const group = this.options.group ? this.options.client.findGroup(this.options.group) : undefined;
    const targets = group ? [group] : [...new Set(this.lastSeen.values())];
    let sent = false;
    for (const target of targets) {
      sent = (await this.trySend(target, text)) || sent;
    }
    return sent;
  }

  async sendTo(staffId: string, text: string): Promise<boolean> {
    const target = this.lastSeen.get(staffId) ?? (this.options.group ? this.options.client.findGroup(this.options.group) : undefined);
    return target ? this.trySend(target, `@${staffId.slice(OPS_STAFF_PREFIX.length)} ${text}`) : false;
  }

  private async trySend(conversationId: string, text: string): Promise<boolean> {
    try {
      await this.options.client.send(conversationId, text);
      return true;
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'ops channel: send failed');
      return false;
    }
  }

  private isStaff(message: OpsMessage): boolean {
    if (message.isGroup) {
      return Boolean(this.options.group) && message.conversationName === this.options.group;
    }
    return this.options.staffNames.includes(message.senderName);
  }

  private async handle(message: OpsMessage): Promise<void> {
    if (message.fromSelf || !this.isStaff(message) || !message.senderName) {
      return;
    }
    const staffId = `${OPS_STAFF_PREFIX}${message.senderName}`;
    this.lastSeen.set(staffId, message.conversationId);
    const answers = await this.answer(staffId, message);
    for (const answer of answers) {
      await this.trySend(message.conversationId, answer);
    }
  }

  private async answer(staffId: string, message: OpsMessage): Promise<string[]> {
    const deps = this.options.handoff;
    const command = parseCommand(message.text);
    if (command) {
      const arg = command.argv[0] ? normalizeShortId(command.argv[0]) : undefined;
      switch (command.name) {
        case 'queue':
        case '排队':
          return [await queueListing(deps, staffId)];
        case 'take':
        case '接入':
          return [arg ? await takeHandoff(deps, { shortId: arg, staffOpenId: staffId, channel: 'ops' }) : '用法：/take 编号'];
        case 'end':
        case '结束':
          return arg === null ? ['用法：/end [编号]'] : [await endHandoff(deps, { staffOpenId: staffId, shortId: arg, isAdmin: false })];
        default:
          return [HELP];
      }
    }
    if (message.isGroup && !/^[#＃]/.test(message.text.trim())) {
      return [];
    }
    const relayed = await relayToFan(deps, { staffOpenId: staffId, message: asTextMessage(staffId, message.text, deps.clock.now()) });
    return relayed ?? (message.isGroup ? ['您当前没有接待中的会话。'] : [HELP]);
  }
}

function asTextMessage(staffId: string, content: string, now: Date): TextMessage {
  return {
    kind: 'text',
    content,
    fromUserName: staffId,
    toUserName: 'ops',
    createTime: Math.floor(now.getTime() / 1000),
    msgType: 'text',
    raw: {},
  };
}

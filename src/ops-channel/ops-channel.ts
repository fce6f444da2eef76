/**
 * The wechat4u ops channel: the same staff notifications and commands as the official
 * account, in a personal-WeChat group or a private chat. Staff here are `ops:<remark>`: the
 * remark (备注) the logged-in account gave them, the one name they cannot choose themselves.
 * The group is the one the logged-in account gave the remark FANHOOK_OPS_GROUP, or where it
 * wrote `/运维群` itself; its title counts for nothing (any member can change it). In the group,
 * only commands and `#id text` reach fans, so ordinary team chatter never does.
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
  /** Remark of the group for notifications; its members with a remark may use staff commands. */
  group?: string;
  /** Remarks allowed to use staff commands in a private chat. */
  staffNames: readonly string[];
  logger: Logger;
}

const HELP = '运维微信可用命令：/queue（排队）、/take 编号（接入）、/end [编号]（结束）；群里用「#编号 内容」回复粉丝。';
const UNNAMED = '无法确认您的身份：请运维微信（登录 fanhook 的微信号）先给您设置备注名，再发命令。';
/** Written by the logged-in account itself in a group: that group becomes the ops group. */
const BIND_GROUP = /^[/／](运维群|opsgroup)$/i;

/** Staff notifications and commands over a personal-WeChat client. */
export class OpsChannel implements StaffChannel {
  /** Where each ops staff member last wrote from, to answer them there. */
  private readonly lastSeen = new Map<string, string>();
  /** Messages in flight, so tests and shutdown can wait for them. */
  private pending: Promise<void> = Promise.resolve();
  /** The group the logged-in account named the ops group with `/运维群` (this login session). */
  private boundGroup: string | undefined;

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
    const group = this.opsGroupId();
    const targets = group ? [group] : [...new Set(this.lastSeen.values())];
    let sent = false;
    for (const target of targets) {
      sent = (await this.trySend(target, text)) || sent;
    }
    return sent;
  }

  async sendTo(staffId: string, text: string): Promise<boolean> {
    const target = this.lastSeen.get(staffId) ?? this.opsGroupId();
    return target ? this.trySend(target, `@${staffId.slice(OPS_STAFF_PREFIX.length)} ${text}`) : false;
  }

  private opsGroupId(): string | undefined {
    return this.boundGroup ?? (this.options.group ? this.options.client.findGroup(this.options.group) : undefined);
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

  private isOpsGroup(message: OpsMessage): boolean {
    if (message.conversationId === this.boundGroup) {
      return true;
    }
    return Boolean(this.options.group) && message.conversationRemark === this.options.group;
  }

  /**
   * The sender's staff identity, by the remark the logged-in account gave them: in the ops
   * group any remark (the account named them), in a private chat a remark FANHOOK_OPS_STAFF lists.
   */
  private staffIdOf(message: OpsMessage): string | undefined {
    const remark = message.senderRemark;
    const allowed = message.isGroup || this.options.staffNames.includes(remark);
    return remark && allowed ? `${OPS_STAFF_PREFIX}${remark}` : undefined;
  }

  private async handle(message: OpsMessage): Promise<void> {
    if (message.fromSelf) {
      return this.handleOwn(message);
    }
    if (message.isGroup && !this.isOpsGroup(message)) {
      return;
    }
    const staffId = this.staffIdOf(message);
    if (!staffId) {
      // In the ops group, someone who tries to act is told why nothing happens; strangers in
      // private chats get no answer at all.
      if (message.isGroup && (parseCommand(message.text) || /^[#＃]/.test(message.text.trim()))) {
        this.options.logger.warn(
          { senderName: message.senderName },
          'ops channel: command from a group member without a staff remark ignored',
        );
        await this.trySend(message.conversationId, `${message.senderName ? `@${message.senderName} ` : ''}${UNNAMED}`);
      }
      return;
    }
    this.lastSeen.set(staffId, message.conversationId);
    const answers = await this.answer(staffId, message);
    for (const answer of answers) {
      await this.trySend(message.conversationId, answer);
    }
  }

  /** The logged-in account's own messages: `/运维群` in a group makes it the ops group. */
  private async handleOwn(message: OpsMessage): Promise<void> {
    if (!message.isGroup || !BIND_GROUP.test(message.text)) {
      return;
    }
    this.boundGroup = message.conversationId;
    this.options.logger.info('ops channel: ops group set by the logged-in account');
    await this.trySend(message.conversationId, '✅ 已把本群设为运维群：人工请求会发到这里，群里有备注名的成员可以接待。');
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

/**
 * What a chat command is: a name, a Chinese alias, who may use it, a usage line, and a
 * function that does the work. Features contribute commands to the explicit list in
 * `commands/index.ts`.
 */
import type { WechatContext } from '../wechat/context.js';
import type { FanFlavor } from '../fans/load-fan.js';
import type { Role } from './role-model.js';

export interface CommandContext {
  /** The update that carried the command. */
  ctx: WechatContext & FanFlavor & RoleFlavor;
  sender: { openId: string; role: Role };
  args: string;
  argv: string[];
  /** Answers the sender; long text is split into several messages. */
  say(text: string): Promise<void>;
}

/** A command's result: a user mistake is a value (`usage`), not an exception. */
export type CommandOutcome = void | { outcome: 'ok' | 'usage'; detail?: string };

export interface CommandDefinition {
  /** English name without the slash, lower-case. */
  name: string;
  /** Chinese alias(es), e.g. ['统计']. */
  aliases: string[];
  roles: Role[];
  /** One usage line in Chinese, e.g. "/fan <openid> — 查看粉丝档案". */
  usage: string;
  run(command: CommandContext): Promise<CommandOutcome>;
}

/** Context addition: the sender's role (null for fans), resolved once per update. */
export interface RoleFlavor {
  senderRole?: Role | null;
}

/** The usage result, after telling the sender how to use the command. */
export async function replyUsage(command: CommandContext, definition: CommandDefinition, problem?: string): Promise<CommandOutcome> {
  await command.say(problem ? `${problem}\n用法：${definition.usage}` : `用法：${definition.usage}`);
  return { outcome: 'usage', detail: problem };
}

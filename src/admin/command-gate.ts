/**
 * Middleware: runs chat commands for admins and staff and stops the pipeline there. A fan
 * who types something that looks like a command is treated as a fan (passes through).
 * Every attempt by a role holder is written to the audit log.
 */
import type { Connection } from 'mongoose';
import { AppError } from '../errors.js';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import { textReply } from '../wechat/reply.js';
import type { FanFlavor } from '../fans/load-fan.js';
import { getAuditModel, type AuditEntry } from './audit-log-model.js';
import type { CommandContext, CommandDefinition, CommandOutcome, RoleFlavor } from './command.js';
import { parseCommand } from './parse-command.js';
import { splitText } from './split-text.js';

type GateContext = WechatContext & FanFlavor & RoleFlavor;

export interface CommandGateOptions {
  connection: Connection;
  commands: readonly CommandDefinition[];
}

/** Finds a command by name or alias. */
export function findCommand(commands: readonly CommandDefinition[], name: string): CommandDefinition | undefined {
  return commands.find((c) => c.name === name || c.aliases.includes(name));
}

export function commandGate(options: CommandGateOptions): Middleware<GateContext> {
  const audit = getAuditModel(options.connection);
  return async function commandGateMiddleware(ctx, next) {
    const role = ctx.senderRole;
    const parsed = ctx.message.kind === 'text' && role ? parseCommand(ctx.message.content) : null;
    if (!parsed || !role) {
      return next();
    }
    const say = async (text: string): Promise<void> => {
      for (const chunk of splitText(text)) {
        await ctx.reply(textReply(chunk));
      }
    };
    const entry: AuditEntry = {
      at: ctx.clock.now(),
      openId: ctx.openId,
      role,
      command: parsed.name,
      args: parsed.args.slice(0, 500),
      outcome: 'ok',
    };
    const definition = findCommand(options.commands, parsed.name);
    if (!definition) {
      await say(`未知命令「/${parsed.name}」。发送 /help（帮助）查看您可以使用的命令。`);
      entry.outcome = 'usage';
    } else if (!definition.roles.includes(role)) {
      await say(`您没有权限使用 /${definition.name}（${definition.aliases[0] ?? ''}）。`);
      entry.outcome = 'denied';
    } else {
      const command: CommandContext = { ctx, sender: { openId: ctx.openId, role }, args: parsed.args, argv: parsed.argv, say };
      let outcome: CommandOutcome;
      try {
        outcome = await definition.run(command);
        entry.outcome = outcome?.outcome ?? 'ok';
        entry.detail = outcome?.detail;
      } catch (error) {
        entry.outcome = 'error';
        entry.detail = error instanceof Error ? error.message.slice(0, 500) : String(error);
        ctx.logger.error({ err: error, command: definition.name }, 'command failed');
        const shown = error instanceof AppError && error.expose ? error.message : '内部错误，请稍后再试';
        await say(`命令 /${definition.name} 执行失败：${shown}`);
      }
    }
    await audit.create(entry);
  };
}

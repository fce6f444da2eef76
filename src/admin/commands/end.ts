/**
 * /end [id] (结束): closes the chat the sender holds (by id when they hold several; admins may
 * close any open one) and gives the fan back to the bot.
 */
import { endHandoff } from '../../handoff/end-handoff.js';
import type { HandoffDeps } from '../../handoff/handoff-deps.js';
import { normalizeShortId } from '../../handoff/short-id.js';
import { replyUsage, type CommandDefinition } from '../command.js';

/** The /end command. */
export function endCommand(handoff: HandoffDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'end',
    aliases: ['结束'],
    roles: ['admin', 'staff'],
    usage: '/end [编号] — 结束您接待的会话，机器人恢复应答',
    async run(command) {
      const shortId = command.argv[0] ? normalizeShortId(command.argv[0]) : undefined;
      if (shortId === null || command.argv.length > 1) {
        return replyUsage(command, definition, '编号是4位字母或数字。');
      }
      await command.say(
        await endHandoff(handoff, { staffOpenId: command.sender.openId, shortId, isAdmin: command.sender.role === 'admin' }),
      );
    },
  };
  return definition;
}

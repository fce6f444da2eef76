/**
 * /take <id> (接入): the sender takes a queued chat; the fan's messages reach them from now on.
 */
import type { HandoffDeps } from '../../handoff/handoff-deps.js';
import { normalizeShortId } from '../../handoff/short-id.js';
import { takeHandoff } from '../../handoff/take-handoff.js';
import { replyUsage, type CommandDefinition } from '../command.js';

/** The /take command. */
export function takeCommand(handoff: HandoffDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'take',
    aliases: ['接入'],
    roles: ['admin', 'staff'],
    usage: '/take <编号> — 接入一个排队中的会话，例如 /take A7K2',
    async run(command) {
      const shortId = command.argv.length === 1 ? normalizeShortId(command.argv[0]!) : null;
      if (!shortId) {
        return replyUsage(command, definition, '请写上会话编号（4位，见 /queue）。');
      }
      await command.say(await takeHandoff(handoff, { shortId, staffOpenId: command.sender.openId, channel: 'official' }));
    },
  };
  return definition;
}

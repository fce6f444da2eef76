/**
 * /queue (排队): handoffs waiting for a person, and the chats the sender holds.
 */
import type { HandoffDeps } from '../../handoff/handoff-deps.js';
import { queueListing } from '../../handoff/queue-listing.js';
import type { CommandDefinition } from '../command.js';

/** The /queue command. */
export function queueCommand(handoff: HandoffDeps): CommandDefinition {
  return {
    name: 'queue',
    aliases: ['排队'],
    roles: ['admin', 'staff'],
    usage: '/queue — 查看等待人工的会话',
    async run({ sender, say }) {
      await say(await queueListing(handoff, sender.openId));
    },
  };
}

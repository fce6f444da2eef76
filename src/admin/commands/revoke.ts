/**
 * /revoke <openid> (撤销): removes a role granted in chat; allowlisted roles stay.
 */
import type { RoleRegistry } from '../roles.js';
import { replyUsage, type CommandDefinition } from '../command.js';

export function revokeCommand(roles: RoleRegistry): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'revoke',
    aliases: ['撤销'],
    roles: ['admin'],
    usage: '/revoke <openid> — 撤销在聊天中授予的角色',
    async run(command) {
      const [openId] = command.argv;
      if (!openId || command.argv.length !== 1) {
        return replyUsage(command, definition);
      }
      if (roles.bootstrapRoleOf(openId)) {
        return replyUsage(command, definition, `${openId} 的角色由配置（环境变量）决定，不能在聊天中撤销`);
      }
      const removed = await roles.revoke(openId);
      await command.say(removed ? `已撤销 ${openId} 的角色，TA 现在是普通粉丝。` : `${openId} 没有在聊天中授予的角色。`);
      return { outcome: removed ? 'ok' : 'usage', detail: openId };
    },
  };
  return definition;
}

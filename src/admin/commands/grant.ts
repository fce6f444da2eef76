/**
 * /grant <openid> admin|staff (授权): grants a role in chat. Allowlisted openids
 * (ADMIN_OPENIDS / STAFF_OPENIDS) cannot be changed from chat.
 */
import type { Role } from '../role-model.js';
import type { RoleRegistry } from '../roles.js';
import { replyUsage, type CommandDefinition } from '../command.js';

const ROLE_WORDS: Record<string, Role> = { admin: 'admin', 管理员: 'admin', staff: 'staff', 客服: 'staff', 店员: 'staff' };
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;

export function grantCommand(roles: RoleRegistry): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'grant',
    aliases: ['授权'],
    roles: ['admin'],
    usage: '/grant <openid> admin|staff — 授予管理员或客服角色',
    async run(command) {
      const [openId, word] = command.argv;
      const role = word ? ROLE_WORDS[word.toLowerCase()] : undefined;
      if (!openId || !OPENID.test(openId) || !role || command.argv.length !== 2) {
        return replyUsage(command, definition);
      }
      if (roles.bootstrapRoleOf(openId)) {
        return replyUsage(command, definition, `${openId} 的角色由配置（环境变量）决定，不能在聊天中修改`);
      }
      await roles.grant(openId, role, command.sender.openId);
      await command.say(`已授予 ${openId} ${role === 'admin' ? '管理员' : '客服'}角色。`);
      return { outcome: 'ok', detail: `${openId} ${role}` };
    },
  };
  return definition;
}

/**
 * /help (帮助): the commands this sender's role may use, one usage line each.
 */
import type { CommandDefinition } from '../command.js';

export function helpCommand(all: () => readonly CommandDefinition[]): CommandDefinition {
  return {
    name: 'help',
    aliases: ['帮助'],
    roles: ['admin', 'staff'],
    usage: '/help — 查看可用命令',
    async run({ sender, say }) {
      const lines = all()
        .filter((c) => c.roles.includes(sender.role))
        .map((c) => `${c.usage}（${c.aliases.join('、')}）`);
      await say([`您的角色：${sender.role === 'admin' ? '管理员' : '客服'}。可用命令：`, ...lines].join('\n'));
    },
  };
}

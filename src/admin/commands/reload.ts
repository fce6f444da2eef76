/**
 * /reload (重载): re-reads the merchant's files in templates/ without a restart. Each set is
 * reloaded on its own; an invalid file keeps its previous version in use and the admin is
 * told which file, rule and field is wrong.
 */
import type { CommandDefinition } from '../command.js';

/** Something /reload can refresh: a label for the admin and a reload that throws on invalid input. */
export interface Reloadable {
  label: string;
  reload(): Promise<void>;
}

export function reloadCommand(reloadables: readonly Reloadable[]): CommandDefinition {
  return {
    name: 'reload',
    aliases: ['重载'],
    roles: ['admin'],
    usage: '/reload — 重新加载回复模板、资料问题和标签规则',
    async run({ say }) {
      const lines: string[] = [];
      const failed: string[] = [];
      for (const item of reloadables) {
        try {
          await item.reload();
          lines.push(`✅ ${item.label}：已更新`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failed.push(`${item.label}: ${message}`);
          lines.push(`❌ ${item.label}：${message}\n   （文件有误，继续使用之前的版本）`);
        }
      }
      await say([failed.length === 0 ? '重载完成。' : `重载完成，${failed.length} 项有错误：`, ...lines].join('\n'));
      return { outcome: 'ok', detail: failed.length > 0 ? failed.join('; ').slice(0, 500) : undefined };
    },
  };
}

/**
 * /tag <openid> +a -b (打标签): adds and removes tags by hand. The tagging module records who
 * and when (shown by /fan) and marks the fan for the WeChat tag sync.
 */
import type { Connection } from 'mongoose';
import type { Clock } from '../../lib/clock.js';
import { applyTagChanges } from '../../tagging/apply-tag-changes.js';
import { getFanModel } from '../../fans/fan-model.js';
import { replyUsage, type CommandDefinition } from '../command.js';

const TAG_NAME = /^[^\s$.]{1,30}$/u;

export function tagCommand(connection: Connection, clock: Clock): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'tag',
    aliases: ['打标签'],
    roles: ['admin', 'staff'],
    usage: '/tag <openid> +标签 -标签 — 手动加减标签，例如 /tag oAbc +vip -新客',
    async run(command) {
      const [openId, ...changes] = command.argv;
      const add = changes.filter((c) => /^[+＋]/.test(c)).map((c) => c.slice(1));
      const remove = changes.filter((c) => /^[-－]/.test(c)).map((c) => c.slice(1));
      if (!openId || changes.length === 0 || add.length + remove.length !== changes.length) {
        return replyUsage(command, definition);
      }
      const bad = [...add, ...remove].find((name) => !TAG_NAME.test(name));
      if (bad !== undefined) {
        return replyUsage(command, definition, `标签名「${bad}」不合法（1–30 个字，不含空格、$ 和 .）`);
      }
      if ((await getFanModel(connection).countDocuments({ openId })) === 0) {
        return replyUsage(command, definition, `没有找到粉丝 ${openId}`);
      }
      const result = await applyTagChanges({
        connection,
        openId,
        now: clock.now(),
        add: add.map((name) => ({ name, source: 'manual' as const, by: command.sender.openId })),
        remove,
      });
      const names = result.tags.map((t) => t.name).join('、') || '无';
      await command.say(
        `${openId}：加上 ${result.added.join('、') || '无'}，去掉 ${result.removed.join('、') || '无'}。现有标签：${names}`,
      );
      return { outcome: 'ok', detail: `+${result.added.join(',')} -${result.removed.join(',')}` };
    },
  };
  return definition;
}

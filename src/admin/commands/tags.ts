/**
 * /tags (标签): every tag with the number of subscribed fans carrying it, most used first.
 */
import type { Connection } from 'mongoose';
import { getFanModel } from '../../fans/fan-model.js';
import type { CommandDefinition } from '../command.js';

export function tagsCommand(connection: Connection): CommandDefinition {
  return {
    name: 'tags',
    aliases: ['标签'],
    roles: ['admin', 'staff'],
    usage: '/tags — 查看所有标签及人数',
    async run({ say }) {
      const rows = await getFanModel(connection).aggregate<{ _id: string; count: number }>([
        // Only tagged fans contribute, and the tags index finds just them.
        { $match: { subscribed: true, 'tags.name': { $exists: true } } },
        { $unwind: '$tags' },
        { $group: { _id: '$tags.name', count: { $sum: 1 } } },
      ]);
      rows.sort((a, b) => b.count - a.count || a._id.localeCompare(b._id));
      await say(
        rows.length > 0 ? ['标签（已关注粉丝数）：', ...rows.map((row) => `· ${row._id}：${row.count}`)].join('\n') : '还没有任何标签。',
      );
    },
  };
}

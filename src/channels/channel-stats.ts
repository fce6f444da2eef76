/**
 * Query: what each channel brought — fans who followed through it, how many still follow,
 * how many were active in the last 30 days, and how many ordered — in one aggregation over
 * the fans of the channels' scenes (`source`, indexed), sorted the way a merchant ranks
 * codes: buyers first, then fans who stayed, then activity.
 */
import type { Connection } from 'mongoose';
import { getFanModel } from '../fans/fan-model.js';
import { getChannelModel, type Channel } from './channel-model.js';

const ACTIVE_DAYS = 30;

export interface ChannelStats {
  channel: Channel;
  follows: number;
  following: number;
  active: number;
  ordering: number;
}

/** Every channel with its numbers, best first. */
export async function channelStats(connection: Connection, now: Date): Promise<ChannelStats[]> {
  const channels = await getChannelModel(connection).find().lean<Channel[]>();
  if (channels.length === 0) {
    return [];
  }
  const since = new Date(now.getTime() - ACTIVE_DAYS * 86_400_000);
  const rows = await getFanModel(connection).aggregate<{
    _id: string;
    follows: number;
    following: number;
    active: number;
    ordering: number;
  }>([
    { $match: { source: { $in: channels.map((c) => c.scene) } } },
    {
      $group: {
        _id: '$source',
        follows: { $sum: 1 },
        following: { $sum: { $cond: ['$subscribed', 1, 0] } },
        active: { $sum: { $cond: [{ $and: ['$subscribed', { $gte: ['$lastSeenAt', since] }] }, 1, 0] } },
        ordering: { $sum: { $cond: [{ $gt: [{ $ifNull: ['$purchases.orders', 0] }, 0] }, 1, 0] } },
      },
    },
  ]);
  const byScene = new Map(rows.map((row) => [row._id, row]));
  return channels
    .map((channel) => {
      const row = byScene.get(channel.scene);
      return {
        channel,
        follows: row?.follows ?? 0,
        following: row?.following ?? 0,
        active: row?.active ?? 0,
        ordering: row?.ordering ?? 0,
      };
    })
    .sort((a, b) => b.ordering - a.ordering || b.following - a.following || b.active - a.active || b.follows - a.follows);
}

/** One line per channel for /channels. */
export function formatChannelLine(stats: ChannelStats): string {
  const kept = stats.follows > 0 ? `（${Math.round((stats.following / stats.follows) * 100)}%）` : '';
  return `· ${stats.channel.name}（${stats.channel.scene}）：关注 ${stats.follows}，仍关注 ${stats.following}${kept}，30 天活跃 ${stats.active}，下单 ${stats.ordering}`;
}

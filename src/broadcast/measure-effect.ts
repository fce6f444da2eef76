/**
 * Command: what a broadcast brought back (SPEC.md §12), measured when asked — so an order
 * imported days after the push counts as soon as it is stored. The sent group is the fans
 * the batches delivered to; the holdout is the stored list; clicks come from `link_clicks`
 * and orders from `orders`, each by one aggregation on its index (orders: {paidAt}), and are
 * matched to the two groups in memory.
 */
import type { Connection } from 'mongoose';
import { getLinkClickModel } from '../links/link-click-model.js';
import { getOrderModel } from '../orders/order-model.js';
import type { BroadcastBatch } from './broadcast-batch-model.js';
import { readHoldout } from './holdout-model.js';

/** Orders and revenue of one group in the attribution window. */
export interface GroupOutcome {
  fans: number;
  buyers: number;
  orders: number;
  revenueFen: number;
}

export interface BroadcastEffect {
  window: { from: Date; to: Date; days: number; open: boolean };
  sent: GroupOutcome & { clickers: number };
  /** Undefined when the broadcast had no holdout. */
  holdout: GroupOutcome | undefined;
  clicks: { total: number; anonymous: number };
}

const DAY_MS = 24 * 3_600_000;

/** The fans a broadcast reached: customer-service messages delivered and mass recipients accepted by WeChat. */
export function recipientsOf(batches: readonly BroadcastBatch[]): string[] {
  const reached = new Set<string>();
  for (const batch of batches) {
    const delivered =
      batch.kind === 'customer' ? batch.sent : batch.state === 'accepted' || batch.state === 'finished' ? batch.recipients : undefined;
    for (const openId of delivered ?? []) {
      reached.add(openId);
    }
  }
  return [...reached];
}

export async function measureEffect(props: {
  connection: Connection;
  broadcast: { number: number; sentAt?: Date; holdout?: unknown };
  batches: readonly BroadcastBatch[];
  attributionDays: number;
  now: Date;
}): Promise<BroadcastEffect | null> {
  const { connection, broadcast } = props;
  if (!broadcast.sentAt) {
    return null;
  }
  const from = broadcast.sentAt;
  const to = new Date(from.getTime() + props.attributionDays * DAY_MS);
  const sentFans = recipientsOf(props.batches);
  const holdoutFans = broadcast.holdout ? await readHoldout(connection, broadcast.number) : undefined;
  const [buyers, clicks] = await Promise.all([buyersIn(connection, from, to), clicksOf(connection, broadcast.number, new Set(sentFans))]);
  const sent = outcomeOf(sentFans, buyers);
  const holdout = holdoutFans ? outcomeOf(holdoutFans, buyers) : undefined;
  return {
    window: { from, to, days: props.attributionDays, open: props.now < to },
    sent: { ...sent, clickers: clicks.clickers },
    holdout,
    clicks: { total: clicks.total, anonymous: clicks.anonymous },
  };
}

/** Orders and revenue per buyer for orders paid in [from, to), by one aggregation over the window. */
async function buyersIn(connection: Connection, from: Date, to: Date): Promise<Map<string, { orders: number; revenueFen: number }>> {
  const rows = await getOrderModel(connection).aggregate<{ _id: string | null; orders: number; revenueFen: number }>([
    { $match: { paidAt: { $gte: from, $lt: to } } },
    { $group: { _id: '$openId', orders: { $sum: 1 }, revenueFen: { $sum: '$amountFen' } } },
  ]);
  // Orders naming only a unionid have no openid yet: they join their fan when it appears.
  return new Map(rows.flatMap((row) => (row._id === null ? [] : [[row._id, { orders: row.orders, revenueFen: row.revenueFen }] as const])));
}

/** Buyers, orders and revenue among `openIds`. */
function outcomeOf(openIds: readonly string[], buyers: ReadonlyMap<string, { orders: number; revenueFen: number }>): GroupOutcome {
  const outcome: GroupOutcome = { fans: openIds.length, buyers: 0, orders: 0, revenueFen: 0 };
  for (const openId of openIds) {
    const bought = buyers.get(openId);
    if (bought) {
      outcome.buyers += 1;
      outcome.orders += bought.orders;
      outcome.revenueFen += bought.revenueFen;
    }
  }
  return outcome;
}

/** Distinct identified clickers who were sent the broadcast, and the clicks in all. */
async function clicksOf(
  connection: Connection,
  broadcast: number,
  sent: ReadonlySet<string>,
): Promise<{ clickers: number; total: number; anonymous: number }> {
  // One pass: clicks per fan, anonymous ones under the null id.
  const byFan = await getLinkClickModel(connection).aggregate<{ _id: string | null; clicks: number }>([
    { $match: { broadcast } },
    { $group: { _id: '$openId', clicks: { $sum: 1 } } },
  ]);
  const total = byFan.reduce((sum, row) => sum + row.clicks, 0);
  const anonymous = byFan.find((row) => row._id === null)?.clicks ?? 0;
  // A forwarded link opened by someone the push never reached is a click, not a clicker of this push.
  const clickers = byFan.filter((row) => row._id !== null && sent.has(row._id)).length;
  return { clickers, total, anonymous };
}

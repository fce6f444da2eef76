/**
 * Job: recomputes every buyer's purchase facts and RFM tier from the orders, once a night.
 * Recency changes with the calendar alone (a 重要价值 buyer who stops buying becomes 重要保持
 * after 90 days without any new order), and recomputing from the orders themselves also mends
 * a fan whose facts an interrupted import left behind. One aggregation over the orders
 * ($group by openid, read a thousand fans at a time); only fans whose facts changed are written.
 */
import type { Agenda } from 'agenda';
import type { AnyBulkWriteOperation, Connection, Types } from 'mongoose';
import { IDS_PER_LOOKUP } from '../db/update-chunks.js';
import { getFanModel, type Fan, type PurchaseFacts } from '../fans/fan-model.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { getOrderModel } from '../orders/order-model.js';
import { factsOf, purchaseGroupStages, sameFacts, type OrderGroup } from '../orders/recompute-purchases.js';
import type { RfmRegistry } from '../orders/rfm-registry.js';
import { retryUnlessPermanent } from './agenda.js';

export const REFRESH_RFM_JOB = 'fans.refresh-rfm';

export interface RefreshRfmDeps {
  connection: Connection;
  rfm: RfmRegistry;
  clock: Clock;
  logger: Logger;
}

type Buyer = { _id: Types.ObjectId; openId: string; purchases?: PurchaseFacts };

/** Recomputes every buyer; returns how many were looked at and how many changed. */
export async function refreshRfmTiers(deps: RefreshRfmDeps): Promise<{ scanned: number; changed: number }> {
  const now = deps.clock.now();
  const groups = getOrderModel(deps.connection)
    .aggregate<OrderGroup>([{ $match: { openId: { $exists: true } } }, ...purchaseGroupStages()])
    .allowDiskUse(true)
    .cursor({ batchSize: IDS_PER_LOOKUP });
  let batch: OrderGroup[] = [];
  const totals = { scanned: 0, changed: 0 };
  for await (const group of groups as AsyncIterable<OrderGroup>) {
    batch.push(group);
    if (batch.length === IDS_PER_LOOKUP) {
      totals.changed += await settle(deps, batch, now);
      totals.scanned += batch.length;
      batch = [];
    }
  }
  totals.changed += await settle(deps, batch, now);
  totals.scanned += batch.length;
  return totals;
}

/** Writes the facts of the fans among `groups` whose stored facts differ; returns how many. */
async function settle(deps: RefreshRfmDeps, groups: OrderGroup[], now: Date): Promise<number> {
  if (groups.length === 0) {
    return 0;
  }
  const model = getFanModel(deps.connection);
  const fans = await model.find({ openId: { $in: groups.map((group) => group._id) } }, { openId: 1, purchases: 1 }).lean<Buyer[]>();
  const byOpenId = new Map(groups.map((group) => [group._id, group]));
  const writes: AnyBulkWriteOperation<Fan>[] = fans.flatMap((fan) => {
    const facts = factsOf(byOpenId.get(fan.openId)!, deps.rfm.tiers, now);
    return sameFacts(fan.purchases, facts) ? [] : [{ updateOne: { filter: { _id: fan._id }, update: { $set: { purchases: facts } } } }];
  });
  if (writes.length > 0) {
    await model.bulkWrite(writes, { ordered: false });
  }
  return writes.length;
}

export function defineRefreshRfm(agenda: Agenda, deps: RefreshRfmDeps): void {
  agenda.define(
    REFRESH_RFM_JOB,
    async () => {
      deps.logger.info(await refreshRfmTiers(deps), 'purchase facts and RFM tiers refreshed');
    },
    { concurrency: 1, backoff: retryUnlessPermanent, lockLifetime: 60 * 60_000 },
  );
}

/**
 * Job: re-evaluates the RFM tier of every fan who ordered. Recency changes with the calendar
 * alone (a 重要价值 buyer who stops buying becomes 重要保持 after 90 days without any new
 * order), so once a day each buyer's tier is checked against today; only the fans whose tier
 * changed are written, a thousand per bulkWrite, after the scan.
 */
import type { Agenda } from 'agenda';
import type { AnyBulkWriteOperation, Connection, Types } from 'mongoose';
import { chunksOf, IDS_PER_LOOKUP } from '../db/update-chunks.js';
import { getFanModel, type Fan, type PurchaseFacts } from '../fans/fan-model.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { RfmRegistry } from '../orders/rfm-registry.js';
import { rfmTierOf } from '../orders/rfm-tiers.js';
import { retryUnlessPermanent } from './agenda.js';

export const REFRESH_RFM_JOB = 'fans.refresh-rfm';

export interface RefreshRfmDeps {
  connection: Connection;
  rfm: RfmRegistry;
  clock: Clock;
  logger: Logger;
}

type Buyer = { _id: Types.ObjectId; purchases: PurchaseFacts };

/** Re-tiers every buyer; returns how many were scanned and how many changed tier. */
export async function refreshRfmTiers(deps: RefreshRfmDeps): Promise<{ scanned: number; changed: number }> {
  const model = getFanModel(deps.connection);
  const now = deps.clock.now();
  const tiers = deps.rfm.tiers;
  const writes: AnyBulkWriteOperation<Fan>[] = [];
  let scanned = 0;
  const cursor = model
    .find({ 'purchases.orders': { $gt: 0 } }, { purchases: 1 })
    .lean<Buyer[]>()
    .cursor({ batchSize: IDS_PER_LOOKUP });
  for await (const fan of cursor as AsyncIterable<Buyer>) {
    scanned += 1;
    const tier = rfmTierOf(fan.purchases, tiers, now);
    if (tier !== fan.purchases.rfm) {
      const update = tier ? { $set: { 'purchases.rfm': tier } } : { $unset: { 'purchases.rfm': 1 } };
      writes.push({ updateOne: { filter: { _id: fan._id }, update } });
    }
  }
  for (const chunk of chunksOf(writes, IDS_PER_LOOKUP)) {
    await model.bulkWrite(chunk, { ordered: false });
  }
  return { scanned, changed: writes.length };
}

export function defineRefreshRfm(agenda: Agenda, deps: RefreshRfmDeps): void {
  agenda.define(
    REFRESH_RFM_JOB,
    async () => {
      deps.logger.info(await refreshRfmTiers(deps), 'RFM tiers refreshed');
    },
    { concurrency: 1, backoff: retryUnlessPermanent, lockLifetime: 60 * 60_000 },
  );
}

/**
 * Command: recomputes the purchase facts on the fan documents of some buyers from the
 * `orders` collection — one aggregation ($group by openid) per thousand fans, then one
 * bulkWrite. Facts are always derived from all of a fan's orders, never incremented, so a
 * re-import, a changed order or an order that arrived before its fan all end up right.
 *
 * Orders that name their buyer only by unionid are joined here: once a fan carries that
 * unionid (import-orders.ts learns it from an order that names both), those orders get the
 * fan's openid.
 */
import type { AnyBulkWriteOperation, Connection, PipelineStage, Types } from 'mongoose';
import { chunksOf, IDS_PER_LOOKUP } from '../db/update-chunks.js';
import { getFanModel, type Fan, type PurchaseFacts } from '../fans/fan-model.js';
import { getOrderModel } from './order-model.js';
import { rfmTierOf, type RfmTier } from './rfm-tiers.js';

export interface RecomputePurchasesProps {
  connection: Connection;
  tiers: readonly RfmTier[];
  now: Date;
  /** The buyers whose orders changed: by openid, and by unionid for orders that carry only that. */
  openIds: readonly string[];
  unionIds?: readonly string[];
}

/** One fan's orders summed up by the aggregation. */
export interface OrderGroup {
  _id: string;
  orders: number;
  spentFen: number;
  firstAt: Date;
  lastAt: Date;
  skus: string[];
  names: string[];
  sizes: string[];
}

type FanIds = Pick<Fan, 'openId' | 'unionId'> & { _id: Types.ObjectId };

/** The facts of a fan with no orders. */
export const NO_PURCHASES: PurchaseFacts = { orders: 0, spentFen: 0, skus: [], names: [], sizes: [] };

/** Recomputes the facts of the known fans among the buyers; returns how many fans were written. */
export async function recomputePurchases(props: RecomputePurchasesProps): Promise<number> {
  const buyers = [...new Set(props.openIds)].map((openId) => ({ openId }) as { openId?: string; unionId?: string });
  buyers.push(...[...new Set(props.unionIds ?? [])].map((unionId) => ({ unionId })));
  let written = 0;
  const chunks = chunksOf(buyers, IDS_PER_LOOKUP);
  // Two chunks in flight: one chunk's aggregation overlaps the other's fan writes.
  const work = async (): Promise<void> => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      const fans = await findFans(props.connection, chunk);
      if (fans.length > 0) {
        await claimUnionOrders(props.connection, fans);
        written += await writeFacts(props, fans, await groupOrders(props.connection, fans));
      }
    }
  };
  await Promise.all([work(), work()]);
  return written;
}

async function findFans(connection: Connection, buyers: { openId?: string; unionId?: string }[]): Promise<FanIds[]> {
  const openIds = buyers.flatMap((buyer) => (buyer.openId ? [buyer.openId] : []));
  const unionIds = buyers.flatMap((buyer) => (buyer.unionId ? [buyer.unionId] : []));
  const clauses = [
    ...(openIds.length > 0 ? [{ openId: { $in: openIds } }] : []),
    ...(unionIds.length > 0 ? [{ unionId: { $in: unionIds } }] : []),
  ];
  const filter = clauses.length === 1 ? clauses[0]! : { $or: clauses };
  return getFanModel(connection).find(filter, { openId: 1, unionId: 1 }).lean<FanIds[]>();
}

/** Gives the fan's openid to its orders that only named its unionid. */
async function claimUnionOrders(connection: Connection, fans: FanIds[]): Promise<void> {
  const claims = fans.flatMap((fan) =>
    fan.unionId
      ? [{ updateMany: { filter: { unionId: fan.unionId, openId: { $exists: false } }, update: { $set: { openId: fan.openId } } } }]
      : [],
  );
  if (claims.length > 0) {
    await getOrderModel(connection).bulkWrite(claims, { ordered: false });
  }
}

/** `$group` by openid and distinct SKUs, names and sizes: one fan's facts per output document (before the tier). */
export function purchaseGroupStages(): PipelineStage[] {
  const distinct = (field: string) => ({ $reduce: { input: field, initialValue: [], in: { $setUnion: ['$$value', '$$this'] } } });
  return [
    {
      $group: {
        _id: '$openId',
        orders: { $sum: 1 },
        spentFen: { $sum: '$amountFen' },
        firstAt: { $min: '$paidAt' },
        lastAt: { $max: '$paidAt' },
        skus: { $push: '$items.sku' },
        names: { $push: '$items.name' },
        sizes: { $push: '$items.size' },
      },
    },
    {
      $project: {
        orders: 1,
        spentFen: 1,
        firstAt: 1,
        lastAt: 1,
        skus: distinct('$skus'),
        names: distinct('$names'),
        sizes: distinct('$sizes'),
      },
    },
  ];
}

async function groupOrders(connection: Connection, fans: FanIds[]): Promise<Map<string, OrderGroup>> {
  const groups = await getOrderModel(connection).aggregate<OrderGroup>([
    { $match: { openId: { $in: fans.map((fan) => fan.openId) } } },
    ...purchaseGroupStages(),
  ]);
  return new Map(groups.map((group) => [group._id, group]));
}

async function writeFacts(props: RecomputePurchasesProps, fans: FanIds[], groups: Map<string, OrderGroup>): Promise<number> {
  const writes: AnyBulkWriteOperation<Fan>[] = fans.map((fan) => {
    const group = groups.get(fan.openId);
    const facts = group ? factsOf(group, props.tiers, props.now) : NO_PURCHASES;
    return { updateOne: { filter: { _id: fan._id }, update: { $set: { purchases: facts } } } };
  });
  await getFanModel(props.connection).bulkWrite(writes, { ordered: false });
  return writes.length;
}

/** The stored facts of one aggregated fan, with its tier at `now`. */
export function factsOf(group: Omit<OrderGroup, '_id'>, tiers: readonly RfmTier[], now: Date): PurchaseFacts {
  const sorted = (values: string[]) => [...new Set(values)].sort();
  const facts: PurchaseFacts = {
    orders: group.orders,
    spentFen: group.spentFen,
    firstAt: group.firstAt,
    lastAt: group.lastAt,
    skus: sorted(group.skus),
    names: sorted(group.names),
    sizes: sorted(group.sizes),
  };
  const rfm = rfmTierOf(facts, tiers, now);
  return rfm ? { ...facts, rfm } : facts;
}

/** True when two fans' facts say the same (the nightly job writes only fans whose facts changed). */
export function sameFacts(a: PurchaseFacts | undefined, b: PurchaseFacts): boolean {
  const key = (facts: PurchaseFacts) =>
    JSON.stringify([
      facts.orders,
      facts.spentFen,
      facts.firstAt?.getTime(),
      facts.lastAt?.getTime(),
      facts.skus,
      facts.names,
      facts.sizes,
      facts.rfm,
    ]);
  return a !== undefined && key(a) === key(b);
}

/**
 * Command: recomputes the purchase facts on the fan documents of some buyers from the
 * `orders` collection — one aggregation ($group by openid) per thousand fans, then one
 * bulkWrite of the fans whose facts changed. Facts are always derived from all of a fan's
 * orders, never incremented, so a re-import, a changed order or an order that arrived before
 * its fan all end up right.
 *
 * Orders that name their buyer only by unionid are joined here: once a fan carries that
 * unionid (import-orders.ts learns it from an order that names both), those orders get the
 * fan's openid.
 */
import type { AnyBulkWriteOperation, Connection, PipelineStage, Types } from 'mongoose';
import { IDS_PER_LOOKUP } from '../db/update-chunks.js';
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

type FanIds = Pick<Fan, 'openId' | 'unionId'> & { _id: Types.ObjectId; purchases?: PurchaseFacts };

/** The facts of a fan with no orders. */
export const NO_PURCHASES: PurchaseFacts = { orders: 0, spentFen: 0, skus: [], names: [], sizes: [] };

/** Recomputes the facts of the known fans among the buyers; returns how many fans were written. */
export async function recomputePurchases(props: RecomputePurchasesProps): Promise<number> {
  const recompute = new PurchaseRecompute(props);
  recompute.add(props.openIds, props.unionIds);
  return recompute.finish();
}

/** Thousand-buyer chunks recomputed at once: one chunk's aggregation overlaps the other's fan writes. */
const PARALLEL_CHUNKS = 2;

type Buyer = { openId?: string; unionId?: string };

/**
 * Recomputes buyers as they are added, a thousand at a time, while the caller goes on (an
 * import adds the buyers whose orders are all stored, then stores the next ones). `finish()`
 * recomputes the rest and says how many fans were written; a fan whose facts did not change
 * is not written.
 */
export class PurchaseRecompute {
  private readonly queue: Buyer[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private finishing = false;
  private failure: { error: unknown } | undefined;
  private written = 0;

  constructor(private readonly props: Omit<RecomputePurchasesProps, 'openIds' | 'unionIds'>) {}

  /** Queues buyers (by openid, and by unionid for orders that carry only that); a buyer queued twice is done once. */
  add(openIds: Iterable<string>, unionIds: Iterable<string> = []): void {
    const queue = (key: string, buyer: Buyer): void => {
      if (!this.queued.has(key)) {
        this.queued.add(key);
        this.queue.push(buyer);
      }
    };
    for (const openId of openIds) {
      queue(`o:${openId}`, { openId });
    }
    for (const unionId of unionIds) {
      queue(`u:${unionId}`, { unionId });
    }
    this.start();
  }

  /** Recomputes what is queued and waits for all of it; rethrows the first failure. */
  async finish(): Promise<number> {
    this.finishing = true;
    this.start();
    while (this.running.size > 0) {
      await Promise.all(this.running);
    }
    if (this.failure) {
      throw this.failure.error;
    }
    return this.written;
  }

  private start(): void {
    while (this.running.size < PARALLEL_CHUNKS && (this.queue.length >= IDS_PER_LOOKUP || (this.finishing && this.queue.length > 0))) {
      const chunk = this.queue.splice(0, IDS_PER_LOOKUP);
      for (const buyer of chunk) {
        this.queued.delete(buyer.openId ? `o:${buyer.openId}` : `u:${buyer.unionId}`);
      }
      const run: Promise<void> = this.recompute(chunk)
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => {
          this.running.delete(run);
          this.start();
        });
      this.running.add(run);
    }
  }

  private async recompute(chunk: Buyer[]): Promise<void> {
    const fans = await findFans(this.props.connection, chunk);
    if (fans.length > 0) {
      await claimUnionOrders(this.props.connection, fans);
      this.written += await writeFacts(this.props, fans, await groupOrders(this.props.connection, fans));
    }
  }
}

async function findFans(connection: Connection, buyers: Buyer[]): Promise<FanIds[]> {
  const openIds = buyers.flatMap((buyer) => (buyer.openId ? [buyer.openId] : []));
  const unionIds = buyers.flatMap((buyer) => (buyer.unionId ? [buyer.unionId] : []));
  const clauses = [
    ...(openIds.length > 0 ? [{ openId: { $in: openIds } }] : []),
    ...(unionIds.length > 0 ? [{ unionId: { $in: unionIds } }] : []),
  ];
  const filter = clauses.length === 1 ? clauses[0]! : { $or: clauses };
  return getFanModel(connection).find(filter, { openId: 1, unionId: 1, purchases: 1 }).lean<FanIds[]>();
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

/** Writes the facts of the fans whose facts changed (each fan write maintains every fan index); returns how many. */
async function writeFacts(
  props: Pick<RecomputePurchasesProps, 'connection' | 'tiers' | 'now'>,
  fans: FanIds[],
  groups: Map<string, OrderGroup>,
): Promise<number> {
  const writes: AnyBulkWriteOperation<Fan>[] = fans.flatMap((fan) => {
    const group = groups.get(fan.openId);
    const facts = group ? factsOf(group, props.tiers, props.now) : NO_PURCHASES;
    return sameFacts(fan.purchases, facts) ? [] : [{ updateOne: { filter: { _id: fan._id }, update: { $set: { purchases: facts } } } }];
  });
  if (writes.length > 0) {
    await getFanModel(props.connection).bulkWrite(writes, { ordered: false });
  }
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

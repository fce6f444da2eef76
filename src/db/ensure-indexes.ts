/**
 * Builds every model's indexes before an instance serves or runs jobs. Several of them are
 * correctness, not speed: the dedupe receipt, one broadcast per series step and day
 * (`firingKey`), one batch per clientmsgid. Models compile lazily on first use and mongoose
 * then builds their indexes in the background, so without this the first writes could race
 * the index build and a duplicate slip in (it did: birthday care fired twice in CI).
 */
import type { Connection } from 'mongoose';
import { getAuditModel } from '../admin/audit-log-model.js';
import { getRoleGrantModel } from '../admin/role-model.js';
import { getBroadcastBatchModel } from '../broadcast/broadcast-batch-model.js';
import { getBroadcastModel } from '../broadcast/broadcast-model.js';
import { getMassCallModel } from '../broadcast/mass-call-log.js';
import { getFanModel } from '../fans/fan-model.js';
import { getHandoffModel } from '../handoff/handoff-model.js';
import { getInteractionModel } from '../interactions/interaction-model.js';
import { getWechatTagModel } from '../tagging/wechat-tag-model.js';

const modelGetters = [
  getFanModel,
  getInteractionModel,
  getHandoffModel,
  getBroadcastModel,
  getBroadcastBatchModel,
  getMassCallModel,
  getWechatTagModel,
  getRoleGrantModel,
  getAuditModel,
];

/**
 * Indexes earlier versions built that no query needs any more (or that a partial or sparse one
 * replaced under a new name). mongoose only ever adds indexes, and every index left behind is
 * rewritten by each write of its collection, so they are dropped at start.
 */
export const RETIRED_INDEXES: readonly { collection: string; name: string }[] = [
  { collection: 'fans', name: 'tagsDirty_1' },
  { collection: 'fans', name: 'massPushes.batches_1' },
  { collection: 'fans', name: 'subscribed_1_unsubscribedAt_1' },
  { collection: 'orders', name: 'unionId_1' },
  { collection: 'link_clicks', name: 'code_1_at_1' },
];

/** Drops the retired indexes that exist; a collection or index already gone is fine. */
export async function dropRetiredIndexes(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db) {
    throw new Error('dropRetiredIndexes: the connection is not open');
  }
  for (const { collection, name } of RETIRED_INDEXES) {
    await db
      .collection(collection)
      .dropIndex(name)
      .catch((error: unknown) => {
        if (!isAbsent(error)) {
          throw error;
        }
      });
  }
}

/** NamespaceNotFound (26) or IndexNotFound (27): nothing to drop. */
function isAbsent(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 26 || code === 27;
}

/** Compiles every model on `connection` and waits until their indexes exist. */
export async function ensureIndexes(connection: Connection): Promise<void> {
  await dropRetiredIndexes(connection);
  await Promise.all(modelGetters.map((getModel) => getModel(connection).init()));
}

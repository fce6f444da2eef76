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

/** Compiles every model on `connection` and waits until their indexes exist. */
export async function ensureIndexes(connection: Connection): Promise<void> {
  await Promise.all(modelGetters.map((getModel) => getModel(connection).init()));
}

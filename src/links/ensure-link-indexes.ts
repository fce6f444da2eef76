/**
 * Builds the indexes of the models this issue added (links, clicks, holdouts) before an
 * instance serves: the unique ones decide "one code per link" and "first or repeat click".
 * Called from the composition root beside db/ensure-indexes.ts, which lists the older models.
 */
import type { Connection } from 'mongoose';
import { getHoldoutModel } from '../broadcast/holdout-model.js';
import { getLinkClickModel } from './link-click-model.js';
import { getLinkModel } from './link-model.js';

export async function ensureLinkIndexes(connection: Connection): Promise<void> {
  await Promise.all([getLinkModel(connection).init(), getLinkClickModel(connection).init(), getHoldoutModel(connection).init()]);
}

/**
 * Builds the indexes of the callback's own collections before an instance serves: the TTL of
 * the signed pairs and the dead letters' order (called from the composition root, so db/
 * never imports this feature).
 */
import type { Connection } from 'mongoose';
import { getDeadLetterModel } from './dead-letter-model.js';
import { getSignedPairModel } from './signed-pair-model.js';

/** Compiles the models on `connection` and waits until their indexes exist. */
export async function ensureCallbackIndexes(connection: Connection): Promise<void> {
  await Promise.all([getSignedPairModel(connection).init(), getDeadLetterModel(connection).init()]);
}

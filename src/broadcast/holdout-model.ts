/**
 * Who a broadcast held out, written with its batches when sending starts: the fans who would
 * have received it and did not, because the hash put them in the holdout. The report reads
 * them back — the audience itself may have changed since. Chunks of at most 10,000 openids,
 * like the batches, so no document grows large.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export interface HoldoutChunk {
  broadcast: number;
  index: number;
  openIds: string[];
}

const holdoutSchema = new Schema<HoldoutChunk>(
  {
    broadcast: { type: Number, required: true },
    index: { type: Number, required: true },
    openIds: { type: [String], default: [] },
  },
  { versionKey: false },
);
holdoutSchema.index({ broadcast: 1, index: 1 }, { unique: true });

/** The HoldoutChunk model on `connection` (collection `broadcast_holdouts`). */
export function getHoldoutModel(connection: Connection): Model<HoldoutChunk> {
  return modelOn(connection, 'HoldoutChunk', holdoutSchema, 'broadcast_holdouts');
}

const CHUNK = 10_000;

/** Replaces the stored holdout of `broadcast` (planning again before sending rewrites it). */
export async function storeHoldout(connection: Connection, broadcast: number, openIds: readonly string[]): Promise<void> {
  const model = getHoldoutModel(connection);
  await model.deleteMany({ broadcast });
  for (let i = 0; i * CHUNK < openIds.length; i += 1) {
    await model.create({ broadcast, index: i, openIds: openIds.slice(i * CHUNK, (i + 1) * CHUNK) });
  }
}

/** Every openid `broadcast` held out. */
export async function readHoldout(connection: Connection, broadcast: number): Promise<string[]> {
  const chunks = await getHoldoutModel(connection).find({ broadcast }, { openIds: 1 }).sort({ index: 1 }).lean();
  return chunks.flatMap((chunk) => chunk.openIds);
}

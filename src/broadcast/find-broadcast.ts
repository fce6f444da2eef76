/**
 * Looks a broadcast up by the reference an admin types: `5`, `#5` or `＃5`.
 */
import type { Connection } from 'mongoose';
import { getBroadcastModel, type Broadcast } from './broadcast-model.js';

/** The number in `text`, or null when it is not a broadcast reference. */
export function parseBroadcastRef(text: string | undefined): number | null {
  const match = /^[#＃]?(\d{1,9})$/.exec((text ?? '').trim());
  return match ? Number(match[1]) : null;
}

/** The broadcast with `number`, or null. */
export function findBroadcast(connection: Connection, number: number): Promise<(Broadcast & { _id: unknown }) | null> {
  return getBroadcastModel(connection).findOne({ number }).lean<Broadcast & { _id: unknown }>();
}

/**
 * A one-time claim ("take A7K2", "close A7K2") as an insert into `handoffclaims` keyed by
 * `_id`. FerretDB 1.24 does not make findOneAndUpdate atomic between its filter and its write
 * (measured: two concurrent `/take` on two instances both matched `status: 'queued'`), but a
 * duplicate `_id` is refused by every backend, so the insert decides who wins.
 */
import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';

interface ClaimDocument {
  _id: string;
  by: string;
  at: Date;
}

/** `won` for the one caller that claimed `key` first; `holder` is whoever did, and `at` when. */
export async function claimOnce(
  connection: Connection,
  key: string,
  by: string,
  at: Date,
): Promise<{ won: boolean; holder: string; at: Date }> {
  const claims = connection.collection<ClaimDocument>('handoffclaims');
  try {
    await claims.insertOne({ _id: key, by, at });
    return { won: true, holder: by, at };
  } catch (error) {
    if (!isDuplicateKeyError(error)) {
      throw error;
    }
    const existing = await claims.findOne({ _id: key });
    return { won: false, holder: existing?.by ?? '', at: existing?.at ?? at };
  }
}

/** Gives a claim back (the claimed step turned out not to apply). */
export async function releaseClaim(connection: Connection, key: string): Promise<void> {
  await connection.collection<ClaimDocument>('handoffclaims').deleteOne({ _id: key });
}

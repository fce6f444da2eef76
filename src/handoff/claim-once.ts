/**
 * A one-time claim ("take A7K2", "close A7K2") as an insert into `handoffclaims` keyed by
 * `_id`: the unique `_id` decides who wins, and the claim outlives the steps it guards (the
 * handoff, the fan's mark, the messages), so the loser can be told who holds it and a claim
 * whose holder died before finishing can be recognised and taken over.
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

/** A claim older than this whose step has not happened belongs to a holder that died. */
export const STALE_CLAIM_MS = 60_000;

/**
 * claimOnce, taking over a claim its holder abandoned: one older than `staleAfterMs` whose step
 * `abandoned()` confirms never happened (the holder died or lost the database between claiming
 * and doing it — without this, nobody could ever take or close that chat). Only that claim is
 * removed (matched by its time), so of several callers taking it over at once one wins.
 */
export async function claimOrTakeOver(
  connection: Connection,
  key: string,
  by: string,
  at: Date,
  abandoned: () => Promise<boolean>,
  staleAfterMs = STALE_CLAIM_MS,
): Promise<{ won: boolean; holder: string; at: Date }> {
  const claim = await claimOnce(connection, key, by, at);
  if (claim.won || at.getTime() - claim.at.getTime() <= staleAfterMs || !(await abandoned())) {
    return claim;
  }
  await connection.collection<ClaimDocument>('handoffclaims').deleteOne({ _id: key, at: claim.at });
  return claimOnce(connection, key, by, at);
}

/** Gives a claim back (the claimed step turned out not to apply). */
export async function releaseClaim(connection: Connection, key: string): Promise<void> {
  await connection.collection<ClaimDocument>('handoffclaims').deleteOne({ _id: key });
}

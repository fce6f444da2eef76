/**
 * Records which message each signed `timestamp`+`nonce` came with, across instances: the pair
 * is the `_id`, so the first insert wins and every later one reads what it holds. Inserts are
 * group-committed like the interaction claims that follow them (lib/group-commit.ts), so the
 * check adds one batched insert per batch of callbacks, not one round trip per callback.
 */
import type { Collection } from 'mongodb';
import type { Connection, Model } from 'mongoose';
import { abandonStuckBatch } from '../db/batch-write-timeout.js';
import { insertOutcomes } from '../db/write-errors.js';
import { GroupCommit } from '../lib/group-commit.js';
import type { PairVerdict, SignedPairLedger } from '../wechat/callback-ports.js';
import { getSignedPairModel, type SignedPair } from './signed-pair-model.js';
import { translateWriteFailure } from './write-failure.js';

export interface SignedPairStoreOptions {
  /** How long a pair is remembered: at least as long as the timestamp check accepts it. */
  retainSeconds: number;
}

/** The ledger on MongoDB (collection `callback_nonces`, TTL-indexed). */
export class SignedPairStore implements SignedPairLedger {
  private readonly model: Model<SignedPair>;
  private readonly inserts: GroupCommit<SignedPair, 'inserted' | 'duplicate'>;

  constructor(
    connection: Connection,
    private readonly options: SignedPairStoreOptions,
  ) {
    this.model = getSignedPairModel(connection);
    // The driver types a collection's _id as ObjectId unless told: this one holds string ids.
    const pairs = this.model.collection as unknown as Collection<SignedPair>;
    // Unordered: a pair seen before (a retry) does not hold back the others of its batch.
    this.inserts = new GroupCommit((docs) => insertOutcomes(docs.length, 'signed pair', () => pairs.insertMany(docs, { ordered: false })), {
      abandonAfter: abandonStuckBatch('signed pairs'),
    });
  }

  async record(pair: string, dedupeKey: string): Promise<PairVerdict> {
    // Real time, as the timestamp check: the pair's age is measured against the wall clock.
    const expiresAt = new Date(Date.now() + this.options.retainSeconds * 1000);
    try {
      if ((await this.inserts.add({ _id: pair, dedupeKey, expiresAt })) === 'inserted') {
        return 'fresh';
      }
      const first = await this.model.findOne({ _id: pair }, { dedupeKey: 1 }).lean();
      // Gone meanwhile (expired): nothing else holds the pair now.
      return first === null || first.dedupeKey === dedupeKey ? 'same_message' : 'other_message';
    } catch (error) {
      throw translateWriteFailure(error, `signed pair ${pair}`);
    }
  }
}

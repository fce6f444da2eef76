/**
 * Records which message each signed `timestamp`+`nonce` came with, across instances: the pair
 * is the `_id`, so the first insert wins and every later one reads what it holds.
 */
import type { Document } from 'mongodb';
import type { Connection, Model } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
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

  constructor(
    connection: Connection,
    private readonly options: SignedPairStoreOptions,
  ) {
    this.model = getSignedPairModel(connection);
  }

  async record(pair: string, dedupeKey: string): Promise<PairVerdict> {
    const expiresAt = new Date(Date.now() + this.options.retainSeconds * 1000);
    try {
      // The pair is the _id: the unique index every collection has decides who was first.
      await this.model.collection.insertOne({ _id: pair, dedupeKey, expiresAt } satisfies SignedPair as Document);
      return 'fresh';
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        throw translateWriteFailure(error, 'signed pair');
      }
    }
    const first = await this.model.findOne({ _id: pair }, { dedupeKey: 1 }).lean();
    // Gone meanwhile (expired): nothing else holds the pair now.
    return first === null || first.dedupeKey === dedupeKey ? 'same_message' : 'other_message';
  }
}

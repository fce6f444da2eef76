/**
 * The signed pairs: one document per `timestamp`+`nonce` of a plaintext callback, naming the
 * message (its dedupe key) that came with it. Plaintext mode's `signature` covers only the
 * token, timestamp and nonce — not the body — so this record is what stops a pair copied from
 * an access log from carrying another message (SPEC.md §1 "One signature, one message").
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export interface SignedPair {
  /** `<timestamp>:<nonce>` as WeChat signed them. */
  _id: string;
  dedupeKey: string;
  /** When the pair can no longer pass the timestamp check, so the record can go. */
  expiresAt: Date;
}

const signedPairSchema = new Schema<SignedPair>(
  {
    _id: { type: String, required: true },
    dedupeKey: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// TTL: MongoDB deletes a record once its pair is too old to be accepted anyway.
signedPairSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/** The SignedPair model on `connection` (collection `callback_nonces`). */
export function getSignedPairModel(connection: Connection): Model<SignedPair> {
  return modelOn(connection, 'SignedPair', signedPairSchema, 'callback_nonces');
}

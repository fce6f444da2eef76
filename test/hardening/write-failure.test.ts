import { BSON, MongoBulkWriteError, MongoClient, MongoNetworkError, MongoNotConnectedError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, RefusedWriteError } from '../../src/errors.js';
import { translateWriteFailure } from '../../src/interactions/write-failure.js';

const mongooseBufferTimeout = Object.assign(new Error('Operation `interactions.insertMany()` buffering timed out after 10000ms'), {
  name: 'MongooseError',
});
const steppedDown = new MongoServerError({ code: 189, errmsg: 'PrimarySteppedDown', errorLabels: ['RetryableWriteError'] });

describe('a failed write: outage or refusal', () => {
  it.each([
    ['a network error', new MongoNetworkError('connection reset')],
    ['a closed client', new MongoNotConnectedError('client is not connected')],
    ["mongoose's buffering timeout while disconnected", mongooseBufferTimeout],
    ['a step-down labelled retryable', steppedDown],
    // What insertMany throws when the connection drops under it (seen when the database restarts).
    [
      'a bulk insert that lost its connection',
      new MongoBulkWriteError(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:38283'), undefined as never),
    ],
  ])('calls %s an outage (the message is spooled and replayed)', (_name, error) => {
    expect(translateWriteFailure(error, 'interaction x')).toBeInstanceOf(DatabaseUnavailableError);
  });

  it('calls a database nobody answers an outage', async () => {
    const client = new MongoClient('mongodb://127.0.0.1:9/', { serverSelectionTimeoutMS: 100 });
    const error: unknown = await client
      .db('x')
      .collection('interactions')
      .insertOne({})
      .catch((e: unknown) => e);
    await client.close();
    expect(translateWriteFailure(error, 'interaction x')).toBeInstanceOf(DatabaseUnavailableError);
  });

  it.each([
    ['a validation rule', new MongoServerError({ code: 121, errmsg: 'Document failed validation' })],
    [
      'a duplicate key on another unique index',
      new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error index: openId_1_sentAt_1' }),
    ],
    ['a document too large', new BSON.BSONError('Document is larger than the maximum size 16777216')],
    ['a key name the engine cannot store', new MongoServerError({ code: 2, errmsg: "invalid key: 'a.b'" })],
    ['a per-document write error', new Error('interaction insert failed: E11000 duplicate key')],
  ])('calls %s a refusal for good (the message is dead-lettered)', (_name, error) => {
    const translated = translateWriteFailure(error, 'interaction x');
    expect(translated).toBeInstanceOf(RefusedWriteError);
    expect(translated.message).toContain('interaction x refused');
  });
});

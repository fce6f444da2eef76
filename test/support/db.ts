/**
 * A database of its own for each test file, on the server from test/setup/mongo.ts, so
 * files run in parallel without seeing each other's documents.
 */
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, inject } from 'vitest';
import { withDatabase } from '../../src/db/with-database.js';

export interface TestDb {
  /** The file's connection; available in hooks and tests, not at collection time. */
  readonly connection: Connection;
  /** URI including the database name, for a second connection or app instance. */
  readonly uri: string;
}

/** A URI for a new, uniquely named database (`test_<random>`) on the provided server. */
export function testDbUri(): string {
  return withDatabase(inject('mongoUri'), `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
}

/**
 * Connects a fresh mongoose Connection (not the global `mongoose` one) to a unique
 * database in `beforeAll`; drops the database and closes in `afterAll`.
 */
export function useTestDb(): TestDb {
  const uri = testDbUri();
  let connection: Connection | undefined;

  beforeAll(async () => {
    connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  });

  afterAll(async () => {
    if (!connection) {
      return;
    }
    await connection.dropDatabase();
    await connection.close();
    connection = undefined;
  });

  return {
    get connection(): Connection {
      if (!connection) {
        throw new Error('useTestDb(): the connection exists only inside hooks and tests');
      }
      return connection;
    },
    get uri(): string {
      return uri;
    },
  };
}

/**
 * Opens the application's MongoDB connection. A dedicated Connection (not mongoose's global
 * default) so tests and tools can hold several.
 */
import mongoose, { type Connection } from 'mongoose';

export async function connectDatabase(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 10_000,
    // Indexes are part of correctness here (dedupe relies on a unique index): build them.
    autoIndex: true,
  });
  await connection.asPromise();
  return connection;
}

/** True while the connection can serve queries. */
export function isConnected(connection: Connection): boolean {
  return connection.readyState === mongoose.ConnectionStates.connected;
}

/**
 * Models are bound to a mongoose Connection rather than the global default, so tests can
 * run two app instances (two connections) against one database, and each test file can use
 * its own database.
 */
import type { Connection, Model, Schema } from 'mongoose';

/** Returns the model `name` on `connection`, compiling it on first use. */
export function modelOn<T>(connection: Connection, name: string, schema: Schema<T>, collection: string): Model<T> {
  const existing = connection.models[name] as Model<T> | undefined;
  return existing ?? connection.model<T>(name, schema, collection);
}

/** Mongo's duplicate-key error, the signal that a unique index refused a second insert. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

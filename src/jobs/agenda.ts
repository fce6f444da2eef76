/**
 * Agenda 6 on the application's own MongoDB connection (one pool, one database). Locks are
 * documents in `agendaJobs`, so several instances share the jobs without running one twice.
 */
import { Agenda, exponential, type BackoffStrategy } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Connection } from 'mongoose';
import { PermanentJobError } from '../errors.js';

export interface CreateAgendaOptions {
  connection: Connection;
  /** Instance name shown in job locks (host:pid by default). */
  name?: string;
  /** Poll interval; short in tests. */
  processEvery?: string | number;
}

/** Retries with exponential backoff, but never after a PermanentJobError (STYLE.md §5.5). */
export const retryUnlessPermanent: BackoffStrategy = (context) =>
  context.error instanceof PermanentJobError
    ? null
    : exponential({ delay: 5_000, maxRetries: 5, jitter: 0.2, maxDelay: 10 * 60_000 })(context);

export function createAgenda(options: CreateAgendaOptions): Agenda {
  const db = options.connection.db;
  if (!db) {
    throw new Error('createAgenda needs an open mongoose connection');
  }
  return new Agenda({
    backend: new MongoBackend({ mongo: db, collection: 'agendaJobs' }),
    name: options.name ?? `fanhook-${process.pid}`,
    processEvery: options.processEvery ?? '5 seconds',
    defaultConcurrency: 5,
    maxConcurrency: 20,
    defaultLockLifetime: 10 * 60_000,
  });
}

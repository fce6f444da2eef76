/**
 * A named lease in MongoDB that one holder at a time, across instances, may keep for a short
 * while: a document `{ _id: name, holder, until }` in `leases`. Taking it is an insert (the
 * `_id` makes a second insert fail) or, when the previous holder died without giving it
 * back, a takeover of the expired document. Both are single-document writes keyed by `_id`,
 * atomic and served by the `_id` index.
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Clock } from '../lib/clock.js';

interface LeaseDoc {
  _id: string;
  holder: string;
  until: Date;
}

export interface LeaseOptions {
  connection: Connection;
  clock: Clock;
  /** How long a holder may keep the lease before others may take it over. */
  ttlMs: number;
  /** How long to keep trying before giving up with an error. */
  waitMs: number;
  /** Pause between attempts while another holder has it. */
  pollMs?: number;
}

export class LeaseUnavailableError extends Error {
  constructor(name: string, waitMs: number) {
    super(`lease "${name}" was still held by another instance after ${waitMs} ms`);
    this.name = 'LeaseUnavailableError';
  }
}

/** Runs `work` while holding lease `name`; gives the lease back afterwards, also on errors. */
export async function withLease<T>(name: string, options: LeaseOptions, work: () => Promise<T>): Promise<T> {
  const leases = leasesOf(options.connection);
  const holder = randomUUID();
  const giveUpAt = Date.now() + options.waitMs;
  while (!(await tryTake(leases, name, holder, options))) {
    if (Date.now() >= giveUpAt) {
      throw new LeaseUnavailableError(name, options.waitMs);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
  try {
    return await work();
  } finally {
    await leases.deleteOne({ _id: name, holder });
  }
}

function leasesOf(connection: Connection) {
  return connection.collection<LeaseDoc>('leases');
}

async function tryTake(leases: ReturnType<typeof leasesOf>, name: string, holder: string, options: LeaseOptions): Promise<boolean> {
  const now = options.clock.now();
  const until = new Date(now.getTime() + options.ttlMs);
  try {
    await leases.insertOne({ _id: name, holder, until });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) {
      throw error;
    }
  }
  // Held: take it over only if the holder let it expire (it crashed or hung).
  const takeover = await leases.findOneAndUpdate({ _id: name, until: { $lt: now } }, { $set: { holder, until } });
  return takeover !== null;
}

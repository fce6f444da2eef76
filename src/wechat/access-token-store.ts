/**
 * One access_token for every instance, kept in MongoDB (WECHAT.md §9). Tokens come from
 * `stable_token` in normal mode; a lock document makes sure only one instance asks WeChat
 * at a time, the others wait for its result. Each instance also caches the token in memory
 * until 5 minutes before it expires.
 */
import type { Collection, Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

/** WeChat rotates a stable token 5 minutes before expiry; never use one closer than that. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

interface TokenDocument {
  _id: string;
  accessToken?: string;
  expiresAt?: Date;
  lockUntil?: Date | null;
  refreshedAt?: Date;
}

export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface AccessTokenStoreOptions {
  appId: string;
  /** Asks WeChat for a token (normal-mode stable_token). */
  fetchToken: () => Promise<FetchedToken>;
  clock: Clock;
  logger: Logger;
  /** How long one instance may hold the refresh lock. */
  lockMs?: number;
  /** How long a caller waits for another instance's refresh before giving up. */
  waitMs?: number;
}

export class AccessTokenStore {
  private readonly collection: Collection<TokenDocument>;
  private readonly options: Required<Omit<AccessTokenStoreOptions, 'fetchToken' | 'clock' | 'logger' | 'appId'>> & AccessTokenStoreOptions;
  private cached: { accessToken: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  /** A token WeChat refused; never handed out again even if another instance stored it. */
  private rejected: string | undefined;

  constructor(connection: Connection, options: AccessTokenStoreOptions) {
    this.collection = connection.collection<TokenDocument>('wechat_tokens');
    this.options = { lockMs: 10_000, waitMs: 15_000, ...options };
  }

  /** A valid access_token, from memory, MongoDB, or WeChat (single-flight). */
  async getToken(): Promise<string> {
    const now = this.options.clock.now().getTime();
    if (this.cached && this.cached.expiresAt - REFRESH_MARGIN_MS > now) {
      return this.cached.accessToken;
    }
    this.pending ??= this.loadOrRefresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Drops `token` after WeChat called it invalid (40001/40014/42001), for this and other instances. */
  async invalidate(token: string): Promise<void> {
    this.rejected = token;
    if (this.cached?.accessToken === token) {
      this.cached = undefined;
    }
    await this.collection.updateOne({ _id: this.options.appId, accessToken: token }, { $set: { expiresAt: new Date(0) } });
  }

  private isUsable(doc: TokenDocument | null, now: number): doc is TokenDocument & { accessToken: string; expiresAt: Date } {
    return Boolean(
      doc?.accessToken && doc.expiresAt && doc.expiresAt.getTime() - REFRESH_MARGIN_MS > now && doc.accessToken !== this.rejected,
    );
  }

  private async loadOrRefresh(): Promise<string> {
    const giveUpAt = Date.now() + this.options.waitMs;
    for (;;) {
      const now = this.options.clock.now().getTime();
      const doc = await this.collection.findOne({ _id: this.options.appId });
      if (this.isUsable(doc, now)) {
        this.cached = { accessToken: doc.accessToken, expiresAt: doc.expiresAt.getTime() };
        return doc.accessToken;
      }
      if (await this.tryLock(now)) {
        return this.refreshHoldingLock();
      }
      if (Date.now() > giveUpAt) {
        throw new Error('timed out waiting for another instance to refresh the access_token');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Takes the refresh lock; false when another instance holds a live one. */
  private async tryLock(now: number): Promise<boolean> {
    try {
      // The filter only matches an unlocked (or stale-locked) document; when it matches
      // nothing, the upsert tries to insert the same _id and the unique _id index refuses:
      // exactly one concurrent caller gets the lock.
      const result = await this.collection.updateOne(
        { _id: this.options.appId, $or: [{ lockUntil: null }, { lockUntil: { $lt: new Date(now) } }] },
        { $set: { lockUntil: new Date(now + this.options.lockMs) } },
        { upsert: true },
      );
      return result.modifiedCount + result.upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        return false;
      }
      throw error;
    }
  }

  private async refreshHoldingLock(): Promise<string> {
    try {
      const fetched = await this.options.fetchToken();
      const now = this.options.clock.now();
      const expiresAt = new Date(now.getTime() + fetched.expiresInSeconds * 1000);
      await this.collection.updateOne(
        { _id: this.options.appId },
        { $set: { accessToken: fetched.accessToken, expiresAt, refreshedAt: now, lockUntil: null } },
      );
      this.cached = { accessToken: fetched.accessToken, expiresAt: expiresAt.getTime() };
      if (fetched.accessToken !== this.rejected) {
        this.rejected = undefined;
      }
      this.options.logger.info({ expiresAt }, 'access_token refreshed');
      return fetched.accessToken;
    } catch (error) {
      await this.collection.updateOne({ _id: this.options.appId }, { $set: { lockUntil: null } });
      throw error;
    }
  }
}

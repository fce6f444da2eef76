/**
 * openid → fan `_id`, remembered per connection. On the hot path the fan is then updated by
 * `_id`: MongoDB serves that from the primary key, and stock FerretDB 1.24 (SQLite) looks up only
 * an `_id` equality in an index — any other filter, `{ openId }` included, scans the whole
 * collection (see fan-id-filter.ts; fanhook's own FerretDB build also narrows `openId`, but a
 * deployment may point at a stock one). A fan's `_id` never
 * changes; a deleted fan is noticed by the update matching nothing, and forgotten.
 */
import type { Connection, Types } from 'mongoose';

/** Bounded: a million fans would be ~100 MB of ids; the most recently seen ones matter. */
const MAX_ENTRIES = 100_000;

const caches = new WeakMap<Connection, FanIdCache>();

/** A least-recently-used map of openid → fan `_id`. */
export class FanIdCache {
  private readonly ids = new Map<string, Types.ObjectId>();
  /** Lookups in flight, so a burst of one new fan's messages makes one lookup, not fifty. */
  private readonly loading = new Map<string, Promise<Types.ObjectId>>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  /** The cache of `connection` (one per connection, so two instances in a test stay apart). */
  static of(connection: Connection): FanIdCache {
    let cache = caches.get(connection);
    if (!cache) {
      cache = new FanIdCache();
      caches.set(connection, cache);
    }
    return cache;
  }

  get(openId: string): Types.ObjectId | undefined {
    const id = this.ids.get(openId);
    if (id !== undefined) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.ids.delete(openId);
      this.ids.set(openId, id);
    }
    return id;
  }

  /**
   * The cached id, or the result of `load` — shared by every caller asking for the same openid
   * while it runs (a fan who sends many messages at once before we knew them). Not cached here:
   * the caller caches the id once a write by it matched.
   */
  async getOrLoad(openId: string, load: () => Promise<Types.ObjectId>): Promise<Types.ObjectId> {
    const cached = this.get(openId);
    if (cached !== undefined) {
      return cached;
    }
    let pending = this.loading.get(openId);
    if (!pending) {
      pending = load().finally(() => this.loading.delete(openId));
      this.loading.set(openId, pending);
    }
    return pending;
  }

  set(openId: string, id: Types.ObjectId): void {
    this.ids.delete(openId);
    this.ids.set(openId, id);
    if (this.ids.size > this.maxEntries) {
      const oldest = this.ids.keys().next().value;
      if (oldest !== undefined) {
        this.ids.delete(oldest);
      }
    }
  }

  delete(openId: string): void {
    this.ids.delete(openId);
  }

  get size(): number {
    return this.ids.size;
  }
}

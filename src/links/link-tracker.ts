/**
 * Command object: rewrites the URLs of outgoing content to tracked links
 * (`$FANHOOK_PUBLIC_URL/l/<code>`), creating one code per target per scope on first use.
 * Content for one known fan (customer-service messages, replies) gets a signed per-fan code
 * (`/l/<code>/<openid>.<mac>`), so its clicks need no OAuth round trip.
 */
import type { Connection, Model } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
import type { Clock } from '../lib/clock.js';
import { getLinkModel, type Link } from './link-model.js';
import { fanToken, newLinkCode } from './link-signing.js';
import { replaceUrls, urlsIn } from './rewrite-links.js';

export interface LinkTrackerOptions {
  connection: Connection;
  clock: Clock;
  /** `FANHOOK_PUBLIC_URL` without a trailing slash. */
  publicUrl: string;
  /** Signs per-fan codes and OAuth states (config.links.secret). */
  secret: string;
}

/** Where a piece of content goes: a broadcast (or the replies) and, when known, the one fan. */
export interface LinkScope {
  /** The broadcast number; absent for replies. */
  broadcast?: number;
  openId?: string;
}

const MAX_CACHED = 10_000;

export class LinkTracker {
  private readonly links: Model<Link>;
  /** `scope\0target` → code: codes never change once made. */
  private readonly codes = new Map<string, string>();

  constructor(readonly options: LinkTrackerOptions) {
    this.links = getLinkModel(options.connection);
  }

  /** `text` with its URLs tracked for `scope`; fanhook's own links are left as they are. */
  async rewrite(text: string, scope: LinkScope): Promise<string> {
    const urls = urlsIn(text).filter((url) => !url.startsWith(`${this.options.publicUrl}/`));
    if (urls.length === 0) {
      return text;
    }
    const tracked = new Map<string, string>();
    for (const url of urls) {
      const code = await this.codeFor(scopeKeyOf(scope), url, scope.broadcast);
      const fan = scope.openId ? `/${fanToken(this.options.secret, code, scope.openId)}` : '';
      tracked.set(url, `${this.options.publicUrl}/l/${code}${fan}`);
    }
    return replaceUrls(text, (url) => tracked.get(url) ?? url);
  }

  /** The code of `target` in `scope`, made on first use (a concurrent maker's code wins). */
  async codeFor(scope: string, target: string, broadcast?: number): Promise<string> {
    const key = `${scope}\u0000${target}`;
    const cached = this.codes.get(key);
    if (cached) {
      return cached;
    }
    const code = await this.findOrCreate(scope, target, broadcast);
    if (this.codes.size >= MAX_CACHED) {
      this.codes.clear();
    }
    this.codes.set(key, code);
    return code;
  }

  private async findOrCreate(scope: string, target: string, broadcast?: number): Promise<string> {
    const existing = await this.links.findOne({ scope, target }, { _id: 1 }).lean();
    if (existing) {
      return existing._id;
    }
    const link: Link = { _id: newLinkCode(), scope, target, createdAt: this.options.clock.now(), ...(broadcast ? { broadcast } : {}) };
    try {
      await this.links.create(link);
      return link._id;
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        throw error;
      }
      const winner = await this.links.findOne({ scope, target }, { _id: 1 }).lean();
      if (!winner) {
        throw error;
      }
      return winner._id;
    }
  }
}

/** `b:<number>` for a broadcast, `reply` for the fan-facing replies. */
export function scopeKeyOf(scope: LinkScope): string {
  return scope.broadcast === undefined ? 'reply' : `b:${scope.broadcast}`;
}

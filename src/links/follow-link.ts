/**
 * Command: what `GET /l/<code>` does (SPEC.md §12, WECHAT.md §16). An unknown code is a 404,
 * never a redirect. A signed per-fan code is that fan's click. Inside WeChat (user agent
 * `MicroMessenger`) the first visit goes to silent web OAuth and the way back exchanges the
 * code for the openid; outside WeChat, or when OAuth fails or is refused, the click is stored
 * as anonymous and the fan goes straight on to the target.
 */
import type { Connection, Model } from 'mongoose';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { getLinkModel, type Link } from './link-model.js';
import { isOAuthStateOf, LINK_CODE, oauthState, openIdOfToken } from './link-signing.js';
import { ClickRecorder } from './record-click.js';
import type { ClickVia } from './link-click-model.js';

/** The web-OAuth side a link needs (wechat/web-oauth.ts). */
export interface LinkOAuth {
  authorizeUrl(redirectUri: string, state: string): string;
  openIdOf(code: string): Promise<string>;
}

export interface LinkRequest {
  code: string;
  /** The `<openid>.<mac>` path part of a per-fan link. */
  fanToken?: string;
  userAgent: string;
  /** `code` and `state` as WeChat appends them on the way back from authorize. */
  oauthCode?: string;
  state?: string;
}

export type LinkAnswer = { kind: 'not_found' } | { kind: 'redirect'; location: string };

export interface LinkFollowerOptions {
  connection: Connection;
  oauth: LinkOAuth;
  publicUrl: string;
  secret: string;
  clock: Clock;
  logger: Logger;
}

const MAX_CACHED = 50_000;

export class LinkFollower {
  private readonly links: Model<Link>;
  /** Links never change once made: a code seen once is answered from memory. */
  private readonly cache = new Map<string, Pick<Link, '_id' | 'target' | 'broadcast'>>();
  private readonly clicks: ClickRecorder;

  constructor(private readonly options: LinkFollowerOptions) {
    this.links = getLinkModel(options.connection);
    this.clicks = new ClickRecorder(options.connection, options.logger);
  }

  async follow(request: LinkRequest): Promise<LinkAnswer> {
    const link = LINK_CODE.test(request.code) ? await this.find(request.code) : null;
    if (!link) {
      return { kind: 'not_found' };
    }
    const { secret } = this.options;
    const click = { code: link._id, ...(link.broadcast ? { broadcast: link.broadcast } : {}) };
    const signed = request.fanToken ? openIdOfToken(secret, link._id, request.fanToken) : null;
    if (signed) {
      return this.record(link, click, { openId: signed, via: 'signed' });
    }
    if (!/MicroMessenger/i.test(request.userAgent)) {
      return this.record(link, click, { via: 'anonymous' });
    }
    if (request.state === undefined) {
      const back = `${this.options.publicUrl}/l/${link._id}`;
      return { kind: 'redirect', location: this.options.oauth.authorizeUrl(back, oauthState(secret, link._id)) };
    }
    // Back from authorize: never send the fan round again, whatever went wrong.
    if (!isOAuthStateOf(secret, link._id, request.state)) {
      return this.record(link, click, { via: 'anonymous', reason: 'bad_state' });
    }
    if (!request.oauthCode) {
      return this.record(link, click, { via: 'anonymous', reason: 'no_code' });
    }
    try {
      const openId = await this.options.oauth.openIdOf(request.oauthCode);
      return this.record(link, click, { openId, via: 'oauth' });
    } catch (error) {
      const errcode = (error as { errcode?: number }).errcode;
      this.options.logger.info({ code: link._id, err: (error as Error).message }, 'link OAuth failed; anonymous click');
      return this.record(link, click, { via: 'anonymous', reason: errcode ? `oauth_${errcode}` : 'oauth_unreachable' });
    }
  }

  /** Writes the clicks still queued (at shutdown, once no more requests come). */
  close(timeoutMs?: number): Promise<void> {
    return this.clicks.close(timeoutMs);
  }

  private async find(code: string): Promise<Pick<Link, '_id' | 'target' | 'broadcast'> | null> {
    const cached = this.cache.get(code);
    if (cached) {
      return cached;
    }
    const link = await this.links.findOne({ _id: code }, { target: 1, broadcast: 1 }).lean<Pick<Link, '_id' | 'target' | 'broadcast'>>();
    if (link) {
      if (this.cache.size >= MAX_CACHED) {
        this.cache.clear();
      }
      this.cache.set(code, link);
    }
    return link;
  }

  /** Queues the click and sends the fan on: a slow or failing write never holds them at the redirect. */
  private record(
    link: Pick<Link, 'target'>,
    click: { code: string; broadcast?: number },
    who: { openId?: string; via: ClickVia; reason?: string },
  ): LinkAnswer {
    this.clicks.record({ link: click, ...who, at: this.options.clock.now() });
    return { kind: 'redirect', location: link.target };
  }
}

/**
 * What the broadcast commands and jobs need, built once in the composition root.
 */
import type { Connection } from 'mongoose';
import type { CustomerServiceSender } from '../customer-service/send-customer-message.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NoticeSender } from '../notices/notice-sender.js';
import type { LinkTracker } from '../links/link-tracker.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import type { PushLimits } from './audience.js';
import type { MassCallLimits } from './mass-call-log.js';

export interface BroadcastDeps {
  connection: Connection;
  api: WechatApiClient;
  customerService: CustomerServiceSender;
  /** Service notices (`notice:<name>` broadcasts). */
  notices: NoticeSender;
  clock: Clock;
  logger: Logger;
  /** Time zone of schedules, the monthly quota and the daily call limit. */
  timezone: string;
  /** Where `broadcasts.yaml` and `series.yaml` live. */
  templatesDir: string;
  /** The shop name from the reply templates (current after /reload). */
  shopName: () => string;
  /** Names of the tags rules.yaml mirrors to WeChat (current after /reload): send-by-tag candidates. */
  syncedTags: () => ReadonlySet<string>;
  limits: PushLimits;
  calls: MassCallLimits;
  /** How long a batch waits after WeChat answered -1, 5xx or nothing before it is tried again. */
  retryPauseMs: number;
  /** Rewrites URLs in sent content to tracked links; undefined when FANHOOK_PUBLIC_URL is unset. */
  links?: LinkTracker;
  /** Days after a push in which a fan's order counts for it (/report). */
  attributionDays: number;
}

/**
 * Every job fanhook runs, registered from one literal list, and the recurring schedule in
 * one place.
 */
import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { HandoffDeps } from '../handoff/handoff-deps.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AccessTokenStore } from '../wechat/access-token-store.js';
import { CLEANUP_INTERACTIONS_JOB, defineCleanupInteractions } from './cleanup-interactions.js';
import { EXPIRE_HANDOFFS_JOB, defineExpireHandoffs } from './expire-handoffs.js';
import { REFRESH_ACCESS_TOKEN_JOB, defineRefreshAccessToken } from './refresh-access-token.js';
import type { BroadcastDeps } from '../broadcast/broadcast-deps.js';
import { defineRepeatBroadcast } from './repeat-broadcast.js';
import { defineRunSeries, RUN_SERIES_JOB } from './run-series.js';
import { defineSendBroadcast } from './send-broadcast.js';
import type { RuleRegistry } from '../tagging/rule-registry.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import { PURGE_UNFOLLOWED_JOB, definePurgeUnfollowed } from './purge-unfollowed.js';
import type { RfmRegistry } from '../orders/rfm-registry.js';
import { REFRESH_RFM_JOB, defineRefreshRfm } from './refresh-rfm.js';
import { SWEEP_TAGS_JOB, defineSweepTags } from './sweep-tags.js';
import { SYNC_WECHAT_TAGS_JOB, defineSyncWechatTags } from './sync-wechat-tags.js';

export interface JobDeps {
  connection: Connection;
  tokens: AccessTokenStore;
  clock: Clock;
  logger: Logger;
  timezone: string;
  interactionRetentionDays: number;
  handoff: HandoffDeps;
  broadcast: BroadcastDeps;
  /** Lock lifetime of a sending broadcast: how soon another instance resumes after a crash. */
  broadcastLockLifetimeMs: number;
  /** Auto-tagging rules, for the tag sweep and the WeChat tag sync. */
  rules: RuleRegistry;
  api: WechatApiClient;
  purgeUnfollowedDays: number;
  /** RFM tiers (templates/rfm.yaml), for the daily re-tiering of buyers. */
  rfm: RfmRegistry;
}

export function defineJobs(agenda: Agenda, deps: JobDeps): void {
  defineRefreshAccessToken(agenda, deps.tokens);
  defineCleanupInteractions(agenda, { ...deps, retentionDays: deps.interactionRetentionDays });
  defineExpireHandoffs(agenda, deps.handoff);
  defineSendBroadcast(agenda, deps.broadcast, { lockLifetimeMs: deps.broadcastLockLifetimeMs });
  defineRepeatBroadcast(agenda, deps.broadcast);
  defineRunSeries(agenda, deps.broadcast);
  defineSweepTags(agenda, deps);
  defineSyncWechatTags(agenda, deps);
  definePurgeUnfollowed(agenda, { ...deps, afterDays: deps.purgeUnfollowedDays });
  defineRefreshRfm(agenda, deps);
}

/** Creates (or updates) the recurring jobs; `every` is idempotent per job name. */
export async function scheduleRecurringJobs(agenda: Agenda, deps: Pick<JobDeps, 'timezone'>): Promise<void> {
  await agenda.every('4 minutes', REFRESH_ACCESS_TOKEN_JOB, undefined, { skipImmediate: true });
  await agenda.every('17 3 * * *', CLEANUP_INTERACTIONS_JOB, undefined, { timezone: deps.timezone, skipImmediate: true });
  await agenda.every('1 minute', EXPIRE_HANDOFFS_JOB, undefined, { skipImmediate: true });
  // Birthday care and the welcome series: each hour sends the steps due at that hour (series.yaml).
  await agenda.every('0 * * * *', RUN_SERIES_JOB, undefined, { timezone: deps.timezone, skipImmediate: true });
  // Tiers change by the day; hourly keeps `new`/`dormant` at most an hour late.
  await agenda.every('1 hour', SWEEP_TAGS_JOB, undefined, { skipImmediate: true });
  await agenda.every('1 minute', SYNC_WECHAT_TAGS_JOB, undefined, { skipImmediate: true });
  await agenda.every('41 3 * * *', PURGE_UNFOLLOWED_JOB, undefined, { timezone: deps.timezone, skipImmediate: true });
  // RFM tiers drift by the day (recency): once a night re-tiers every buyer.
  await agenda.every('23 4 * * *', REFRESH_RFM_JOB, undefined, { timezone: deps.timezone, skipImmediate: true });
}

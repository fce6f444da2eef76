/**
 * The composition root: builds every component of one fanhook instance from a Config and an
 * open database connection. `main.ts` uses it for the process; tests use it to run real
 * instances (two of them on one database when they need to).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agenda } from 'agenda';
import type Koa from 'koa';
import type { Connection } from 'mongoose';
import type { Config } from './config.js';
import { createCommands } from './admin/commands/index.js';
import type { BroadcastDeps } from './broadcast/broadcast-deps.js';
import { MONTHLY_PUSH_LIMIT } from './broadcast/plan-delivery.js';
import { createBroadcastScheduler } from './jobs/broadcast-scheduler.js';
import { RoleRegistry } from './admin/roles.js';
import { TemplateRegistry } from './conversation/template-registry.js';
import { RuleRegistry } from './tagging/rule-registry.js';
import { CustomerServiceSender } from './customer-service/send-customer-message.js';
import { NoticeSender } from './notices/notice-sender.js';
import { isConnected } from './db/connect.js';
import { ensureIndexes } from './db/ensure-indexes.js';
import type { HandoffDeps } from './handoff/handoff-deps.js';
import { HandoffSettings } from './handoff/handoff-settings.js';
import { createHttpApp } from './http/app.js';
import { importOrders, type ImportOrdersDeps } from './orders/import-orders.js';
import { getOrderModel } from './orders/order-model.js';
import { readOrderRows } from './orders/read-order-rows.js';
import { RfmRegistry } from './orders/rfm-registry.js';
import { ensureLinkIndexes } from './links/ensure-link-indexes.js';
import { LinkFollower } from './links/follow-link.js';
import { LinkTracker } from './links/link-tracker.js';
import { WebOAuth } from './wechat/web-oauth.js';
import { DeadLetterStore } from './interactions/dead-letter-store.js';
import { ensureCallbackIndexes } from './interactions/ensure-callback-indexes.js';
import { InboundSpool, spoolDirOf } from './interactions/inbound-spool.js';
import { InteractionStore } from './interactions/interaction-store.js';
import { SignedPairStore } from './interactions/signed-pair-ledger.js';
import { startSpoolReplay } from './interactions/spool-replayer.js';
import { createAgenda } from './jobs/agenda.js';
import { defineJobs, scheduleRecurringJobs } from './jobs/index.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { OpsChannel } from './ops-channel/ops-channel.js';
import type { OpsClient } from './ops-channel/ops-client.js';
import { startOpsChannel } from './ops-channel/start-ops-channel.js';
import { AccessTokenStore } from './wechat/access-token-store.js';
import { WechatApiClient } from './wechat/api-client.js';
import { createBot } from './wechat/bot.js';
import type { SignedPairLedger } from './wechat/callback-ports.js';
import type { WechatContext } from './wechat/context.js';
import { WechatCrypto } from './wechat/crypto.js';
import { WechatWebhook } from './wechat/webhook.js';

type PipelineRunner = (ctx: WechatContext) => Promise<void>;

/** How long a stopping instance waits for the link clicks still queued to be written. */
const CLICK_FLUSH_MS = 3_000;

/** Signed callbacks older (or newer) than this are refused as replays. */
const MAX_REQUEST_AGE_SECONDS = 300;

export interface FanhookOptions {
  config: Config;
  connection: Connection;
  logger: Logger;
  clock?: Clock;
  /** Agenda poll interval (tests use a short one). */
  jobPollInterval?: string | number;
  /** Replaces the pipeline runner (tests use it to simulate a slow handler). */
  wrapRun?: (run: PipelineRunner) => PipelineRunner;
  /** A personal-WeChat client for the ops channel instead of wechat4u (tests use a fake). */
  opsClient?: OpsClient;
  /** Replaces fetch for WeChat API calls (tests simulate an instance dying mid-call). */
  fetch?: typeof fetch;
  /**
   * Replaces the signed-pair ledger: the benchmark runs one instance without the replay check
   * to measure what it costs. Production always uses the database's ledger.
   */
  pairs?: SignedPairLedger;
}

export interface Fanhook {
  readonly http: Koa;
  readonly webhook: WechatWebhook;
  readonly api: WechatApiClient;
  readonly tokens: AccessTokenStore;
  readonly agenda: Agenda;
  readonly templates: TemplateRegistry;
  /** Auto-tagging rules (templates/rules.yaml), reloadable. */
  readonly rules: RuleRegistry;
  readonly roles: RoleRegistry;
  readonly customerService: CustomerServiceSender;
  /** Broadcast dependencies (tests drive sends with them). */
  readonly broadcast: BroadcastDeps;
  /** The handoff feature's shared dependencies (settings, senders, ops channel). */
  readonly handoff: HandoffDeps;
  /** The wechat4u ops channel, when enabled. */
  readonly ops: OpsChannel | undefined;
  /** Starts the HTTP server on `port` (0 = any free port); resolves with the bound port. */
  listen(port: number): Promise<number>;
  /** Starts processing jobs (worker role). */
  startJobs(): Promise<void>;
  isReady(): boolean;
  /** Stops taking requests, drains jobs; the caller closes the connection. */
  stop(timeoutMs?: number): Promise<void>;
}

export async function createFanhook(options: FanhookOptions): Promise<Fanhook> {
  const { config, connection, logger } = options;
  const clock = options.clock ?? systemClock;
  await ensureIndexes(connection);
  await ensureLinkIndexes(connection);
  await ensureCallbackIndexes(connection);
  await getOrderModel(connection).init();
  const api = new WechatApiClient({
    baseUrl: config.wechat.apiBase,
    timeoutMs: config.wechat.apiTimeoutMs,
    appId: config.wechat.appId,
    appSecret: config.wechat.appSecret,
    logger,
    clock,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const tokens = new AccessTokenStore(connection, { appId: config.wechat.appId, fetchToken: () => api.fetchStableToken(), clock, logger });
  api.useTokenStore(tokens);
  const templates = await TemplateRegistry.load(config.templatesDir);
  const rules = await RuleRegistry.load(config.templatesDir);
  const rfm = await RfmRegistry.load(config.templatesDir);
  const orders: ImportOrdersDeps = { connection, clock, timezone: config.timezone, tiers: () => rfm.tiers };
  const customerService = new CustomerServiceSender({ connection, api, clock, logger });
  const notices = new NoticeSender({
    connection,
    api,
    clock,
    logger,
    timezone: config.timezone,
    templatesDir: config.templatesDir,
    perDay: config.noticesPerDay,
  });
  const roles = new RoleRegistry({ connection, adminOpenIds: config.adminOpenIds, staffOpenIds: config.staffOpenIds, clock });
  const handoff: HandoffDeps = {
    connection,
    customerService,
    notices,
    roles,
    settings: await HandoffSettings.load(config.templatesDir),
    clock,
    logger,
    timezone: config.timezone,
    shopName: () => templates.replies.shopName,
  };
  const ops = await startOpsChannel({ settings: config.ops, client: options.opsClient, handoff, dataDir: config.dataDir, logger });
  const links = config.links
    ? new LinkTracker({ connection, clock, publicUrl: config.links.publicUrl, secret: config.links.secret })
    : undefined;
  const broadcast: BroadcastDeps = {
    connection,
    api,
    customerService,
    notices,
    clock,
    logger,
    timezone: config.timezone,
    templatesDir: config.templatesDir,
    shopName: () => templates.replies.shopName,
    syncedTags: () => rules.syncedTagNames(),
    limits: {
      monthly: MONTHLY_PUSH_LIMIT,
      minGapMs: config.broadcast.minGapHours * 3_600_000,
      csReserve: config.broadcast.csReserve,
      batchSize: config.broadcast.batchSize,
    },
    calls: { perDay: config.broadcast.callsPerDay, perMinute: config.broadcast.callsPerMinute },
    retryPauseMs: config.broadcast.retryPauseMs,
    ...(links ? { links } : {}),
    attributionDays: config.attributionDays,
  };
  // Reads `agenda` only when a command runs, after it is created below.
  const broadcastScheduler = createBroadcastScheduler(() => agenda, config.timezone);
  const reloadables = [
    { label: '回复模板、资料问题与菜单回复（replies.yaml、questions.yaml、menus.yaml）', reload: () => templates.reload() },
    { label: '标签规则（rules.yaml）', reload: () => rules.reload() },
    { label: '转人工设置（handoff.yaml）', reload: () => handoff.settings.reload() },
    { label: '客户分层（rfm.yaml）', reload: () => rfm.reload() },
  ];
  const commands = createCommands({
    connection,
    roles,
    clock,
    logger,
    handoff,
    broadcast,
    broadcastScheduler,
    reloadables,
    rfm,
    templates,
    mpBase: config.wechat.mpBase,
  });
  const bot = createBot({ connection, templates, rules, roles, commands, handoff, broadcast, rfm, ...(links ? { links } : {}) });
  const crypto = config.wechat.aesKey
    ? new WechatCrypto({ appId: config.wechat.appId, aesKey: config.wechat.aesKey, previousAesKey: config.wechat.previousAesKey })
    : undefined;
  const baseRun: PipelineRunner = (ctx) => bot.run(ctx);
  // Per database, so instances (and test files) on different databases never swap messages.
  const spool = new InboundSpool(spoolDirOf(config.dataDir, connection.name));
  const webhook = new WechatWebhook({
    token: config.wechat.token,
    crypto,
    acceptPlaintext: config.wechat.acceptPlaintext,
    claims: new InteractionStore(connection, { clock }),
    // A pair is accepted for MAX_REQUEST_AGE_SECONDS either side of its timestamp.
    pairs: options.pairs ?? new SignedPairStore(connection, { retainSeconds: 2 * MAX_REQUEST_AGE_SECONDS }),
    deferred: customerService,
    run: options.wrapRun ? options.wrapRun(baseRun) : baseRun,
    logger,
    clock,
    replyDeadlineMs: config.replyDeadlineMs,
    maxRequestAgeSeconds: MAX_REQUEST_AGE_SECONDS,
    spool,
    deadLetters: new DeadLetterStore(connection, { dir: spoolDirOf(config.dataDir, connection.name), ownerId: spool.ownerId, logger }),
  });
  let stopSpoolReplay: (() => void) | undefined;

  const agenda = createAgenda({ connection, processEvery: options.jobPollInterval });
  defineJobs(agenda, {
    connection,
    tokens,
    clock,
    logger,
    timezone: config.timezone,
    interactionRetentionDays: config.interactionRetentionDays,
    handoff,
    broadcast,
    broadcastLockLifetimeMs: config.broadcast.lockLifetimeMs,
    rules,
    api,
    purgeUnfollowedDays: config.purgeUnfollowedDays,
    rfm,
  });
  let jobsRunning = false;
  let server: Server | undefined;

  const isReady = (): boolean => isConnected(connection) && (config.role === 'web' || jobsRunning);
  const linkFollower = config.links
    ? new LinkFollower({
        connection,
        oauth: new WebOAuth({
          oauthBase: config.wechat.oauthBase,
          apiBase: config.wechat.apiBase,
          appId: config.wechat.appId,
          appSecret: config.wechat.appSecret,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
        publicUrl: config.links.publicUrl,
        secret: config.links.secret,
        clock,
        logger,
      })
    : undefined;
  const http = createHttpApp({
    webhook,
    bodyLimitBytes: config.bodyLimitBytes,
    isReady,
    logger,
    ...(linkFollower ? { links: linkFollower } : {}),
    ...(config.api ? { api: { ...config.api, importOrders: (body: string) => importOrders(orders, readOrderRows(body)) } } : {}),
  });

  return {
    http,
    webhook,
    api,
    tokens,
    agenda,
    templates,
    rules,
    roles,
    customerService,
    broadcast,
    handoff,
    ops,
    isReady,
    async listen(port) {
      server = createServer(http.callback());
      // Bound slow clients: WeChat sends small bodies at once.
      server.requestTimeout = 10_000;
      server.headersTimeout = 5_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '0.0.0.0', () => resolve());
      });
      stopSpoolReplay = startSpoolReplay({ replay: () => webhook.replaySpool(), isDatabaseUp: () => isConnected(connection), logger });
      return (server.address() as AddressInfo).port;
    },
    async startJobs() {
      await agenda.start();
      await scheduleRecurringJobs(agenda, { timezone: config.timezone });
      jobsRunning = true;
    },
    async stop(timeoutMs = 8_000) {
      stopSpoolReplay?.();
      await spool.close();
      const closing = server
        ? new Promise<void>((resolve) => {
            server!.close(() => resolve());
            server!.closeIdleConnections();
          })
        : Promise.resolve();
      if (jobsRunning) {
        await agenda.drain(timeoutMs);
        jobsRunning = false;
      }
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
      server?.closeAllConnections();
      // No request can queue a click any more: the ones waiting are written before the connection closes.
      await linkFollower?.close(CLICK_FLUSH_MS);
      await ops?.stop();
    },
  };
}

/**
 * Builds the ops channel when it is enabled (or a client is injected by tests) and plugs it
 * into the handoff feature. wechat4u is an optional dependency, imported only here and only
 * when enabled.
 */
import path from 'node:path';
import type { HandoffDeps } from '../handoff/handoff-deps.js';
import type { Logger } from '../lib/logger.js';
import { OpsChannel } from './ops-channel.js';
import type { OpsClient } from './ops-client.js';

export interface StartOpsChannelOptions {
  settings: { wechat4u: boolean; group: string | undefined; staffNames: readonly string[] };
  /** A client to use instead of wechat4u (tests). */
  client?: OpsClient;
  handoff: HandoffDeps;
  dataDir: string;
  logger: Logger;
}

/** The started channel, or undefined when it is off. */
export async function startOpsChannel(options: StartOpsChannelOptions): Promise<OpsChannel | undefined> {
  if (!options.settings.wechat4u && !options.client) {
    return undefined;
  }
  const logger = options.logger.child({ component: 'ops-channel' });
  const client =
    options.client ??
    (await (
      await import('./wechat4u-client.js')
    ).createWechat4uClient({ stateFile: path.join(options.dataDir, 'wechat4u-login.json'), logger }));
  const channel = new OpsChannel({
    client,
    handoff: options.handoff,
    group: options.settings.group,
    staffNames: options.settings.staffNames,
    logger,
  });
  options.handoff.ops = channel;
  await channel.start();
  return channel;
}

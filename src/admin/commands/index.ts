/**
 * Every chat command, in one explicit list. Features add their commands here, and the
 * dependencies those commands need to `CommandDeps`.
 */
import type { Connection } from 'mongoose';
import type { HandoffDeps } from '../../handoff/handoff-deps.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { CommandDefinition } from '../command.js';
import type { RoleRegistry } from '../roles.js';
import type { RfmRegistry } from '../../orders/rfm-registry.js';
import { endCommand } from './end.js';
import { handoffCommand } from './handoff.js';
import { helpCommand } from './help.js';
import { queueCommand } from './queue.js';
import { takeCommand } from './take.js';
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import type { BroadcastScheduler } from '../../broadcast/broadcast-scheduler.js';
import { broadcastCommand } from './broadcast.js';
import { cancelCommand } from './cancel.js';
import { confirmCommand } from './confirm.js';
import { fanCommand } from './fan.js';
import { grantCommand } from './grant.js';
import { jobsCommand } from './jobs.js';
import { seriesLines } from '../../broadcast/series.js';
import { reportCommand } from './report.js';
import { revokeCommand } from './revoke.js';
import { scheduleCommand } from './schedule.js';
import { segmentCommand } from './segment.js';
import { statsCommand } from './stats.js';
import { tagCommand } from './tag.js';
import { tagsCommand } from './tags.js';
import type { TemplateRegistry } from '../../conversation/template-registry.js';
import { menuCommand } from './menu.js';
import { channelsCommand, qrCommand } from './qr.js';
import { reloadCommand, type Reloadable } from './reload.js';

export interface CommandDeps {
  connection: Connection;
  roles: RoleRegistry;
  clock: Clock;
  logger: Logger;
  handoff: HandoffDeps;
  broadcast: BroadcastDeps;
  broadcastScheduler: BroadcastScheduler;
  /** What /reload refreshes (templates, rules, handoff settings…). */
  reloadables: readonly Reloadable[];
  /** RFM tiers: their names on the fan card, and the tiers segment expressions may name. */
  rfm: RfmRegistry;
  /** Replies, questions and menus.yaml (/menu publish reloads them together). */
  templates: TemplateRegistry;
  /** Base URL of showqrcode (WECHAT_MP_BASE), for /qr. */
  mpBase: string;
}

export function createCommands(deps: CommandDeps): CommandDefinition[] {
  const commands: CommandDefinition[] = [];
  commands.push(helpCommand(() => commands));
  commands.push(queueCommand(deps.handoff), takeCommand(deps.handoff), endCommand(deps.handoff), handoffCommand(deps.handoff));
  const { broadcast, broadcastScheduler: scheduler } = deps;
  commands.push(
    statsCommand(broadcast),
    fanCommand(broadcast, deps.rfm),
    tagCommand(deps.connection, deps.clock),
    tagsCommand(deps.connection),
    segmentCommand(broadcast, deps.rfm),
    broadcastCommand(broadcast, deps.rfm),
    confirmCommand(broadcast, scheduler),
    scheduleCommand(broadcast, scheduler),
    jobsCommand(broadcast, scheduler, () => seriesLines(broadcast)),
    cancelCommand(broadcast, scheduler),
    reportCommand(broadcast),
    grantCommand(deps.roles),
    revokeCommand(deps.roles),
    menuCommand({
      connection: deps.connection,
      api: broadcast.api,
      syncedTags: broadcast.syncedTags,
      templates: deps.templates,
      templatesDir: broadcast.templatesDir,
    }),
    qrCommand({
      connection: deps.connection,
      api: broadcast.api,
      customerService: broadcast.customerService,
      clock: deps.clock,
      mpBase: deps.mpBase,
    }),
    channelsCommand({ connection: deps.connection, clock: deps.clock }),
  );
  commands.push(reloadCommand(deps.reloadables));
  return commands;
}

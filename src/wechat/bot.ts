/**
 * The update pipeline, assembled from feature middleware in one explicit list. Order
 * matters: the profile is updated first, then the sender's role is known, admin and staff
 * commands run (and stop the pipeline), then the conversation, and the fallback last.
 */
import type { Connection } from 'mongoose';
import type { CommandDefinition, RoleFlavor } from '../admin/command.js';
import { commandGate } from '../admin/command-gate.js';
import { loadRole } from '../admin/load-role.js';
import type { RoleRegistry } from '../admin/roles.js';
import { fallback } from '../conversation/fallback.js';
import type { TemplateRegistry } from '../conversation/template-registry.js';
import { welcome } from '../conversation/welcome.js';
import { loadFan, type FanFlavor } from '../fans/load-fan.js';
import type { HandoffDeps } from '../handoff/handoff-deps.js';
import { handoffGate } from '../handoff/handoff-gate.js';
import { stuckTrigger } from '../handoff/stuck-trigger.js';
import { Composer } from './composer.js';
import type { WechatContext } from './context.js';

/** The context every feature middleware sees. */
export type BotContext = WechatContext & FanFlavor & RoleFlavor;

export interface BotDeps {
  connection: Connection;
  templates: TemplateRegistry;
  roles: RoleRegistry;
  commands: readonly CommandDefinition[];
  handoff: HandoffDeps;
}

export function createBot(deps: BotDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  bot.use(loadFan(deps.connection));
  bot.use(loadRole(deps.roles));
  bot.use(commandGate({ connection: deps.connection, commands: deps.commands }));
  bot.use(handoffGate(deps.handoff));
  bot.use(welcome(deps.templates));
  bot.use(stuckTrigger(deps.handoff));
  bot.use(fallback(deps.templates));
  return bot;
}

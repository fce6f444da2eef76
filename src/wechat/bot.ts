/**
 * The update pipeline, assembled from feature middleware in one explicit list. Order
 * matters: the profile is updated first, then (as the features land) admin commands,
 * handoff relay and auto-tagging, then the conversation, and the fallback last.
 */
import type { Connection } from 'mongoose';
import { fallback } from '../conversation/fallback.js';
import type { TemplateRegistry } from '../conversation/template-registry.js';
import { welcome } from '../conversation/welcome.js';
import { loadFan, type FanFlavor } from '../fans/load-fan.js';
import { Composer } from './composer.js';
import type { WechatContext } from './context.js';

/** The context every feature middleware sees. */
export type BotContext = WechatContext & FanFlavor;

export interface BotDeps {
  connection: Connection;
  templates: TemplateRegistry;
}

export function createBot(deps: BotDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  bot.use(loadFan(deps.connection));
  bot.use(welcome(deps.templates));
  bot.use(fallback(deps.templates));
  return bot;
}

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
import { answerQuestion } from '../conversation/answer-question.js';
import type { ConversationFlavor } from '../conversation/conversation-flavor.js';
import { fallback } from '../conversation/fallback.js';
import { keywordReply } from '../conversation/keyword-reply.js';
import type { TemplateRegistry } from '../conversation/template-registry.js';
import { trackUnanswered } from '../conversation/track-unanswered.js';
import { welcome } from '../conversation/welcome.js';
import { loadFan, type FanFlavor } from '../fans/load-fan.js';
import type { LinkTracker } from '../links/link-tracker.js';
import { trackReplyLinks } from '../links/track-reply-links.js';
import type { BroadcastDeps } from '../broadcast/broadcast-deps.js';
import { massSendFinish } from '../broadcast/mass-send-finish.js';
import { templateSendFinish } from '../notices/template-send-finish.js';
import { joinOrders } from '../orders/join-orders.js';
import type { RfmRegistry } from '../orders/rfm-registry.js';
import { autoTag } from '../tagging/auto-tag.js';
import type { RuleRegistry } from '../tagging/rule-registry.js';
import type { HandoffDeps } from '../handoff/handoff-deps.js';
import { handoffGate } from '../handoff/handoff-gate.js';
import { stuckTrigger } from '../handoff/stuck-trigger.js';
import { Composer } from './composer.js';
import type { WechatContext } from './context.js';

/** The context every feature middleware sees. */
export type BotContext = WechatContext & FanFlavor & RoleFlavor & ConversationFlavor;

export interface BotDeps {
  connection: Connection;
  templates: TemplateRegistry;
  rules: RuleRegistry;
  roles: RoleRegistry;
  commands: readonly CommandDefinition[];
  handoff: HandoffDeps;
  broadcast: BroadcastDeps;
  /** RFM tiers, for the purchase facts of a fan whose orders arrived before the fan did. */
  rfm: RfmRegistry;
  /** Tracks the links in the conversation's replies; undefined without FANHOOK_PUBLIC_URL. */
  links?: LinkTracker;
}

export function createBot(deps: BotDeps): Composer<BotContext> {
  const bot = new Composer<BotContext>();
  // WeChat's mass-send results are not from a fan: handled first, and nothing else runs.
  bot.use(massSendFinish(deps.broadcast));
  bot.use(templateSendFinish(deps.connection));
  bot.use(loadFan(deps.connection, () => ({ interests: deps.rules.current.interests })));
  bot.use(joinOrders({ connection: deps.connection, tiers: () => deps.rfm.tiers }));
  bot.use(autoTag({ connection: deps.connection, rules: deps.rules }));
  bot.use(trackUnanswered(deps.connection));
  bot.use(loadRole(deps.roles));
  bot.use(commandGate({ connection: deps.connection, commands: deps.commands }));
  bot.use(handoffGate(deps.handoff));
  bot.use(trackReplyLinks(deps.links));
  bot.use(welcome(deps.templates));
  bot.use(answerQuestion({ connection: deps.connection, templates: deps.templates, rules: deps.rules }));
  bot.use(keywordReply({ connection: deps.connection, templates: deps.templates }));
  bot.use(stuckTrigger(deps.handoff));
  bot.use(fallback(deps.templates));
  return bot;
}

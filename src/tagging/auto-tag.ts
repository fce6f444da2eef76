/**
 * Middleware: after the profile update, runs the auto-tagging rules on this interaction and
 * persists what changed — tags (with the rule as reason), attributes set by rules, the menu
 * path this click completes and the activity tier. Nothing changed: no write at all, so the
 * common message costs only the one profile update.
 */
import type { Connection } from 'mongoose';
import { activityOf } from '../fans/activity-of.js';
import { safeKey, type Fan } from '../fans/fan-model.js';
import { updateFan } from '../fans/update-fan.js';
import type { FanFlavor } from '../fans/load-fan.js';
import { nextMenuSession } from '../fans/menu-session.js';
import type { Logger } from '../lib/logger.js';
import type { Middleware } from '../wechat/composer.js';
import type { WechatContext } from '../wechat/context.js';
import type { InboundMessage } from '../wechat/inbound.js';
import { applyTagChanges } from './apply-tag-changes.js';
import { evaluateRules } from './evaluate-rules.js';
import type { RuleRegistry } from './rule-registry.js';

export interface AutoTagDeps {
  connection: Connection;
  rules: RuleRegistry;
}

export function autoTag(deps: AutoTagDeps): Middleware<WechatContext & FanFlavor> {
  return async function autoTagMiddleware(ctx, next) {
    if (ctx.fan) {
      try {
        ctx.fan = await applyRules({ ...deps, fan: ctx.fan, message: ctx.message, now: ctx.clock.now() });
      } catch (error) {
        // Tagging is bookkeeping: a failure must not cost the fan an answer.
        logFailure(ctx.logger, error);
      }
    }
    await next();
  };
}

export interface ApplyRulesProps extends AutoTagDeps {
  fan: Fan;
  message?: InboundMessage;
  now: Date;
}

/** Evaluates the rules for `fan` and persists the changes; returns the fan as it is now. */
export async function applyRules({ connection, rules, fan, message, now }: ApplyRulesProps): Promise<Fan> {
  const set: Record<string, unknown> = {};
  const inc: Record<string, number> = {};
  let view: Fan = { ...fan, tags: fan.tags ?? [], attributes: fan.attributes ?? {}, menuPaths: fan.menuPaths ?? {} };
  if (message?.kind === 'menu_click') {
    const step = nextMenuSession(fan.menuSession, safeKey(message.eventKey), now);
    set['menuSession'] = step.session;
    const menuPaths = { ...fan.menuPaths };
    for (const path of step.paths) {
      inc[`menuPaths.${path}`] = 1;
      menuPaths[path] = (menuPaths[path] ?? 0) + 1;
    }
    view = { ...view, menuPaths, menuSession: step.session };
  }
  const tier = activityOf(fan, now);
  if (tier !== fan.activity) {
    set['activity'] = tier;
    view = { ...view, activity: tier };
  }
  const outcome = evaluateRules(rules.current.rules, { fan: view, message, now });
  for (const [key, value] of Object.entries(outcome.setAttributes)) {
    set[`attributes.${key}`] = value;
  }
  view = { ...view, attributes: { ...view.attributes, ...outcome.setAttributes } };
  const tagsChange = outcome.add.length > 0 || outcome.remove.length > 0;
  const hasInc = Object.keys(inc).length > 0;
  // One write when possible: the tag change carries the fields to set (a follow through a
  // store's QR code tags the fan and sets its store in one update, not two).
  const setWithTags = tagsChange && !hasInc;
  const writes: Promise<unknown>[] = [];
  if (!setWithTags && (Object.keys(set).length > 0 || hasInc)) {
    writes.push(
      updateFan(connection, fan.openId, { ...(Object.keys(set).length > 0 ? { $set: set } : {}), ...(hasInc ? { $inc: inc } : {}) }),
    );
  }
  if (tagsChange) {
    const extra = setWithTags && Object.keys(set).length > 0 ? { set } : {};
    writes.push(
      applyTagChanges({ connection, openId: fan.openId, add: outcome.add, remove: outcome.remove, now, ...extra }).then((result) => {
        view = { ...view, tags: result.tags, tagsDirty: true };
      }),
    );
  }
  await Promise.all(writes);
  return view;
}

function logFailure(logger: Logger, error: unknown): void {
  logger.error({ err: error }, 'auto-tagging failed; the conversation goes on');
}

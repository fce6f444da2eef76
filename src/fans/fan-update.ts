/**
 * PURE: the atomic update one inbound message applies to its fan's document. Kept as data so
 * every feature's contribution lands in the same single round trip (the hot path): counters
 * are `$inc`, facts are `$set`, histories are capped `$push`.
 */
import type { UpdateQuery } from 'mongoose';
import { provinceOf } from '../geo/province-of.js';
import { USER_MESSAGE_KINDS, type InboundMessage } from '../wechat/inbound.js';
import { dayNumber } from './day-number.js';
import { safeKey, type Fan } from './fan-model.js';
import { interestsIn, type InterestDefinition } from './interests-in.js';

/** Kinds that open WeChat's short (3 messages / 1 minute) customer-service allowance. */
const TRIGGER_KINDS = new Set(['menu_click', 'scancode', 'subscribe', 'scan']);
/** Histories keep their newest entries only (MongoDB honours $slice; see the tag sweep for FerretDB). */
export const MAX_LINKS_VIEWED = 20;
export const MAX_SUBSCRIPTION_HISTORY = 50;

export interface FanUpdateOptions {
  /** Interest keywords from rules.yaml; text mentioning one increments `interests.<name>`. */
  interests?: readonly InterestDefinition[];
}

type Parts = {
  set: Record<string, unknown>;
  inc: Record<string, number>;
  push: Record<string, unknown>;
  setOnInsert: Record<string, unknown>;
};

/** The update for `message` received at `now`. */
export function buildFanUpdate(message: InboundMessage, now: Date, options: FanUpdateOptions = {}): UpdateQuery<Fan> {
  const parts: Parts = { set: { lastSeenAt: now }, inc: {}, push: {}, setOnInsert: { firstSeenAt: now } };
  const day = dayNumber(now);
  parts.inc[`counts.${safeKey(message.kind)}`] = 1;
  parts.inc[`daily.${day}.${safeKey(message.kind)}`] = 1;
  if (USER_MESSAGE_KINDS.has(message.kind)) {
    parts.set['lastMessageAt'] = now;
    parts.set['csWindow.messageAt'] = now;
    parts.set['csWindow.messageUsed'] = 0;
  }
  if (TRIGGER_KINDS.has(message.kind)) {
    parts.set['csWindow.triggerAt'] = now;
    parts.set['csWindow.triggerUsed'] = 0;
  }
  // A fan first seen through a message (not a follow event) already follows: only followers
  // can write to an official account.
  if (message.kind !== 'subscribe' && message.kind !== 'unsubscribe') {
    parts.setOnInsert['subscribed'] = true;
    // Known only from this message (no follow seen): `active`, as activityOf() would say, so
    // the first contact needs no second write just to correct the tier.
    parts.setOnInsert['activity'] = 'active';
  }
  addKindFacts(parts, message, now, day, options);
  const update: UpdateQuery<Fan> = { $set: parts.set, $inc: parts.inc, $setOnInsert: parts.setOnInsert };
  if (Object.keys(parts.push).length > 0) {
    update.$push = parts.push;
  }
  return update;
}

function addKindFacts(parts: Parts, message: InboundMessage, now: Date, day: number, options: FanUpdateOptions): void {
  switch (message.kind) {
    case 'subscribe':
      // WeChat dropped the fan from its tags when they left: the tag sync puts them back.
      Object.assign(parts.set, { subscribed: true, subscribedAt: now, activity: 'new', tagsDirty: true });
      parts.inc['followCount'] = 1;
      parts.inc['tagsRev'] = 1;
      parts.push['subscriptionHistory'] = {
        $each: [{ event: 'subscribe', at: now, ...(message.scene ? { scene: message.scene } : {}) }],
        $slice: -MAX_SUBSCRIPTION_HISTORY,
      };
      if (message.scene) {
        parts.set['source'] = message.scene;
        parts.setOnInsert['firstSource'] = message.scene;
      }
      return;
    case 'unsubscribe':
      // WeChat drops an unfollowed fan from its tags, so the record of them goes too (a by-tag
      // send relies on it); the tag revision moves so a tag sync already under way cannot
      // write back the tags it read before the unfollow.
      Object.assign(parts.set, { subscribed: false, unsubscribedAt: now, activity: 'unsubscribed', syncedTags: [], tagsDirty: true });
      parts.inc['tagsRev'] = 1;
      parts.push['subscriptionHistory'] = { $each: [{ event: 'unsubscribe', at: now }], $slice: -MAX_SUBSCRIPTION_HISTORY };
      return;
    case 'menu_click':
      parts.inc[`menuClicks.${safeKey(message.eventKey)}`] = 1;
      parts.inc[`daily.${day}.${safeKey(`menu:${message.eventKey}`)}`] = 1;
      return;
    case 'menu_view':
      parts.push['linksViewed'] = { $each: [{ url: message.url.slice(0, 500), at: now }], $slice: -MAX_LINKS_VIEWED };
      return;
    case 'location':
    case 'location_report':
    case 'menu_location_select':
      parts.set['location'] = locationOf(message, now);
      return;
    case 'text':
    case 'voice': {
      const text = message.kind === 'text' ? message.content : (message.recognition ?? '');
      for (const name of interestsIn(text, options.interests ?? [])) {
        parts.inc[`interests.${safeKey(name)}`] = 1;
      }
      return;
    }
    default:
      return;
  }
}

function locationOf(
  message: Extract<InboundMessage, { kind: 'location' | 'location_report' | 'menu_location_select' }>,
  now: Date,
): Fan['location'] {
  const { latitude, longitude } = message;
  const label = message.kind === 'location_report' ? undefined : message.label || undefined;
  const region = provinceOf(latitude, longitude);
  return { latitude, longitude, ...(label ? { label } : {}), ...(region ? { region } : {}), at: now };
}

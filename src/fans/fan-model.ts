/**
 * A fan of the account: one document per openid, updated atomically by every interaction.
 * Everything segments and broadcasts filter on lives on this one document (window, tags,
 * attributes, source, region, monthly push count), so a segment is a single-collection query
 * over indexed fields, never a $lookup.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';
import { isObjectBuiltin } from '../lib/own-value.js';

/** WeChat's customer-service allowances (WECHAT.md §5.2). */
export interface CustomerServiceWindow {
  /** Last message the fan sent: opens 5 messages for 48 hours. */
  messageAt?: Date;
  messageUsed: number;
  /** Last menu click / follow / QR scan: opens 3 messages for 1 minute. */
  triggerAt?: Date;
  triggerUsed: number;
}

/** A tag on a fan, with why it is there (`/fan` shows it). */
export interface FanTag {
  name: string;
  /** 'rule' (auto-tagging, see ruleId), 'manual' (/tag by an admin), 'wechat' (imported). */
  source: 'rule' | 'manual' | 'wechat';
  ruleId?: string;
  /** The admin openid for manual tags. */
  by?: string;
  at: Date;
}

export interface SubscriptionChange {
  event: 'subscribe' | 'unsubscribe';
  at: Date;
  scene?: string;
}

export interface FanLocation {
  latitude: number;
  longitude: number;
  label?: string;
  /** Coarse region (province) derived offline from the coordinates. */
  region?: string;
  at: Date;
}

/** The fan's open handoff as the pipeline sees it (src/handoff/ owns the full record). */
export interface FanHandoff {
  shortId: string;
  status: 'queued' | 'held';
  staffOpenId?: string;
  /** 'staff' = our staff relay; 'native' = WeChat's own customer service. */
  mode: 'staff' | 'native';
}

/**
 * What the fan bought, recomputed from the `orders` collection (src/orders/) after every import
 * and when the fan appears, so the segment terms (`bought:`, `orders>=`, `spent>`, `ordered<`,
 * `rfm:`) are plain indexed comparisons on this document.
 */
export interface PurchaseFacts {
  orders: number;
  spentFen: number;
  firstAt?: Date;
  lastAt?: Date;
  /** Distinct SKUs and item names bought (`bought:` matches either). */
  skus: string[];
  names: string[];
  sizes: string[];
  /** RFM tier key from templates/rfm.yaml; unset for a fan who never ordered. */
  rfm?: string;
}

/** Activity tier (SPEC.md §2), kept up to date by the interaction path and the sweep. */
export type ActivityTier = 'new' | 'active' | 'dormant' | 'unsubscribed';

export interface Fan {
  openId: string;
  /** WeChat unionid (user/info), when known: orders that name the buyer by unionid join by it. */
  unionId?: string;
  subscribed: boolean;
  subscribedAt?: Date;
  unsubscribedAt?: Date;
  /** Number of follows after the first (unfollow then follow again). */
  refollowCount: number;
  subscriptionHistory: SubscriptionChange[];
  /** QR scene of the latest follow (`qrscene_store_hz` → `store_hz`). */
  source?: string;
  /** QR scene of the very first follow. */
  firstSource?: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Last message the fan wrote (not events). */
  lastMessageAt?: Date;
  csWindow: CustomerServiceWindow;
  activity: ActivityTier;
  /** Interactions by InboundMessage kind. Keys pass through `safeKey`. */
  counts: Record<string, number>;
  menuClicks: Record<string, number>;
  /** Click sequences within a session, e.g. "NEW>SIZE" → 3. */
  menuPaths: Record<string, number>;
  /** The menu clicks of the current session, for building `menuPaths`. */
  menuSession?: { keys: string[]; lastAt: Date };
  linksViewed: { url: string; at: Date }[];
  location?: FanLocation;
  /** Interest keywords seen in the fan's text, with counts. */
  interests: Record<string, number>;
  /** Attributes collected by conversation or set by rules (size, colour, birthday, city…). */
  attributes: Record<string, string>;
  tags: FanTag[];
  /** The profile question waiting for the fan's answer. */
  pendingQuestion?: { key: string; askedAt: Date; attempts: number };
  /** Consecutive fan messages the bot could not answer (handoff trigger at 2). */
  unansweredStreak: number;
  /** The open handoff (human chat), mirrored here so the pipeline needs no extra query; unset when none. */
  handoff?: FanHandoff;
  /** Mass pushes received in `month` (YYYY-MM in the configured time zone): at most 4. */
  massPushes: { month?: string; count: number; lastAt?: Date; batches?: string[] };
  /** Set when personal data was purged after an unfollow (privacy retention). */
  purgedAt?: Date;
  /** Follows in total (the first one included); `refollowCount` is this minus one. */
  followCount: number;
  /** Interactions per day for windowed rule counts: `daily.<epoch day>.<kind or menu:KEY>`. */
  daily: Record<string, Record<string, number>>;
  /** Profile questions the fan skipped or could not answer; not asked again. */
  skippedQuestions: string[];
  /** When the bot last asked a profile question (one at a time, not too often). */
  lastQuestionAt?: Date;
  /** Set by every tag change; the WeChat tag sync job picks these fans up and clears it. */
  tagsDirty: boolean;
  /** Bumped by every tag change: optimistic concurrency for tag writes and the sync job. */
  tagsRev: number;
  /** Names of the tags currently mirrored to WeChat user tags. */
  syncedTags: string[];
  purchases: PurchaseFacts;
  /**
   * Broadcast numbers whose tracked links the fan opened (`clicked:<id>`), added with $addToSet;
   * absent until the first click, so only clickers are in its (partial) index.
   */
  clickedBroadcasts?: number[];
  /** Dedupe keys of the fan's last messages, so a redelivered message is applied once (touch-fan.ts). */
  appliedMessages?: string[];
  createdAt?: Date;
  updatedAt?: Date;
}

const counter = { type: Schema.Types.Mixed, default: () => ({}) };

export const fanSchema = new Schema<Fan>(
  {
    openId: { type: String, required: true },
    subscribed: { type: Boolean, default: false },
    subscribedAt: { type: Date },
    unsubscribedAt: { type: Date },
    refollowCount: { type: Number, default: 0 },
    subscriptionHistory: { type: [{ _id: false, event: String, at: Date, scene: String }], default: [] },
    source: { type: String },
    firstSource: { type: String },
    firstSeenAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    lastMessageAt: { type: Date },
    csWindow: {
      messageAt: { type: Date },
      messageUsed: { type: Number, default: 0 },
      triggerAt: { type: Date },
      triggerUsed: { type: Number, default: 0 },
    },
    activity: { type: String, default: 'new' },
    counts: counter,
    menuClicks: counter,
    menuPaths: counter,
    menuSession: { type: { _id: false, keys: [String], lastAt: Date } },
    linksViewed: { type: [{ _id: false, url: String, at: Date }], default: [] },
    location: { type: { _id: false, latitude: Number, longitude: Number, label: String, region: String, at: Date } },
    interests: counter,
    attributes: counter,
    tags: { type: [{ _id: false, name: String, source: String, ruleId: String, by: String, at: Date }], default: [] },
    pendingQuestion: { type: { _id: false, key: String, askedAt: Date, attempts: Number } },
    unansweredStreak: { type: Number, default: 0 },
    handoff: { type: { _id: false, shortId: String, status: String, staffOpenId: String, mode: String } },
    // batches: the latest broadcast batches that counted a push, so a resumed batch never counts twice.
    massPushes: {
      month: { type: String },
      count: { type: Number, default: 0 },
      lastAt: { type: Date },
      batches: { type: [String], default: undefined },
    },
    purgedAt: { type: Date },
    followCount: { type: Number, default: 0 },
    daily: counter,
    skippedQuestions: { type: [String], default: [] },
    lastQuestionAt: { type: Date },
    tagsDirty: { type: Boolean, default: false },
    tagsRev: { type: Number, default: 0 },
    syncedTags: { type: [String], default: [] },
    unionId: { type: String },
    purchases: {
      orders: { type: Number, default: 0 },
      spentFen: { type: Number, default: 0 },
      firstAt: { type: Date },
      lastAt: { type: Date },
      skus: { type: [String], default: [] },
      names: { type: [String], default: [] },
      sizes: { type: [String], default: [] },
      rfm: { type: String },
    },
    clickedBroadcasts: { type: [Number], default: undefined },
    appliedMessages: { type: [String], default: undefined },
  },
  { versionKey: false, timestamps: true, minimize: false },
);
fanSchema.index({ openId: 1 }, { unique: true });
// Segment fields (SPEC.md §6): every atom of the grammar hits one of these.
fanSchema.index({ subscribed: 1, lastSeenAt: -1 });
fanSchema.index({ 'tags.name': 1 });
fanSchema.index({ source: 1 });
fanSchema.index({ 'location.region': 1 });
fanSchema.index({ subscribedAt: -1 });
fanSchema.index({ activity: 1 });
// `attr:KEY=VALUE`: attribute names are the merchant's (size, city, birthday…), so one wildcard
// index covers every `attributes.<key>` path.
fanSchema.index({ 'attributes.$**': 1 });
// Purchase and click terms of the grammar (src/orders/ keeps `purchases` up to date). Only
// buyers and clickers are in these indexes (partial), so the writes of every other fan — each
// callback's — do not maintain them; the compiler adds `purchases.orders > 0` to every buyer
// term, which is what lets the planner pick a partial index. The order count itself is a full
// index: it also serves `never-ordered` and `orders<N`.
const BUYERS = { partialFilterExpression: { 'purchases.orders': { $gt: 0 } } };
fanSchema.index({ 'purchases.orders': 1 });
fanSchema.index({ 'purchases.skus': 1 }, BUYERS);
fanSchema.index({ 'purchases.names': 1 }, BUYERS);
fanSchema.index({ 'purchases.spentFen': 1 }, BUYERS);
fanSchema.index({ 'purchases.lastAt': 1 }, BUYERS);
fanSchema.index({ 'purchases.rfm': 1 }, BUYERS);
fanSchema.index({ clickedBroadcasts: 1 }, { partialFilterExpression: { clickedBroadcasts: { $exists: true } } });
// Orders that name their buyer by unionid find the fan through it.
fanSchema.index({ unionId: 1 }, { sparse: true });
// The WeChat tag sync job scans for fans whose tags changed. Partial, as the indexes below that
// hold a minority: DocumentDB rewrites a document's entry in every index it belongs to on every
// update, so each fan outside a partial index is one entry fewer per callback.
fanSchema.index({ tagsDirty: 1 }, { name: 'tagsDirty_1_dirty', partialFilterExpression: { tagsDirty: true } });
// The tag sweep re-reads the fans written since its previous run (jobs/sweep-tags.ts).
fanSchema.index({ updatedAt: 1 });
// A by-tag broadcast reads who fanhook recorded as tagged on WeChat (broadcast/tag-mirror.ts).
fanSchema.index({ syncedTags: 1 });
// /stats and the quota exclusion read this month's pushed fans.
fanSchema.index({ 'massPushes.month': 1, 'massPushes.count': 1 });
// The privacy purge finds fans unfollowed long enough ago: only unfollowed fans are in it.
fanSchema.index(
  { subscribed: 1, unsubscribedAt: 1 },
  { name: 'subscribed_1_unsubscribedAt_1_unfollowed', partialFilterExpression: { subscribed: false } },
);

/** The Fan model on `connection` (collection `fans`). */
export function getFanModel(connection: Connection): Model<Fan> {
  return modelOn(connection, 'Fan', fanSchema, 'fans');
}

/**
 * Makes user-provided text (menu keys, words, attribute names) safe as a field name inside
 * an update path: a '.' would address a nested field and a leading '$' an operator; a name
 * every object inherits (`__proto__`, `constructor`…) gets a leading '_', so a fan's key is
 * never stored, or read back, as an object built-in.
 */
export function safeKey(text: string): string {
  // NUL is invalid in a BSON key; replaced as plain text (a regex would need a control character).
  const cleaned = text.replace(/[.$]/g, '_').replaceAll('\u0000', '_').trim().slice(0, 64);
  if (cleaned.length === 0) {
    return '_';
  }
  return isObjectBuiltin(cleaned) ? `_${cleaned}` : cleaned;
}

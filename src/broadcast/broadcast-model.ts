/**
 * A broadcast: draft → (scheduled) → queued → sending → sent (waiting for WeChat's results)
 * → finished, or cancelled/failed. Admins see it as `#<number>`. A recurring schedule stays
 * on its template broadcast; every firing sends a copy with its own number (`parent`).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';
import type { BroadcastContent } from './broadcast-content.js';
import type { Holdout } from './holdout.js';

export type BroadcastState = 'draft' | 'scheduled' | 'queued' | 'sending' | 'sent' | 'finished' | 'cancelled' | 'failed';

/** Audience numbers, as previewed or as planned at send time. */
export interface AudienceNumbers {
  total: number;
  customer: number;
  mass: number;
  massCalls: number;
  quotaExcluded: number;
  unreachable: number;
  /** Reachable fans held out on purpose (`holdout N%`); absent without a holdout. */
  holdout?: number;
  /** Fans a `notice:<name>` broadcast sends a service notice to (all of them, by template message). */
  notice?: number;
  /** The WeChat tag the mass part goes to in one `sendall` call; absent when it goes by OpenID list. */
  byTag?: string;
}

export interface BroadcastSchedule {
  kind: 'once' | 'recurring';
  /** As the admin typed it, e.g. "every tuesday 10:00". */
  text: string;
  at?: Date;
  cron?: string;
}

/** Totals over all batches once WeChat reported them (MASSSENDJOBFINISH) plus our own sends. */
export interface BroadcastResults {
  customerSent: number;
  customerFailed: number;
  massTotal: number;
  massFiltered: number;
  massSent: number;
  massErrors: number;
  /** Dropped at send time because the fan reached the monthly limit meanwhile. */
  excludedAtSend: number;
}

export interface Broadcast {
  number: number;
  /** Canonical segment expression (system series use an internal audience instead). */
  expr: string;
  /** Internal audience of product series (birthday care, welcome series). */
  system?: { kind: 'birthday' | 'welcome'; monthDay?: string; from?: Date; to?: Date };
  content: BroadcastContent;
  /** `holdout N%`: the share of the audience kept unsent and the seed that picks them. */
  holdout?: Holdout;
  state: BroadcastState;
  createdBy: string;
  createdAt: Date;
  /** Who confirmed or scheduled it: gets the report. */
  confirmedBy?: string;
  confirmedAt?: Date;
  schedule?: BroadcastSchedule;
  parent?: number;
  /** `n:<number>`, or for a copy made by a recurring schedule `r:<parent>:<fire time>` (one copy per firing). */
  firingKey: string;
  preview?: AudienceNumbers;
  plan?: AudienceNumbers;
  results?: BroadcastResults;
  sentAt?: Date;
  finishedAt?: Date;
  reportedAt?: Date;
  failure?: string;
}

const numbers = {
  _id: false,
  total: Number,
  customer: Number,
  mass: Number,
  massCalls: Number,
  quotaExcluded: Number,
  unreachable: Number,
  holdout: Number,
  notice: Number,
  byTag: String,
};

const broadcastSchema = new Schema<Broadcast>(
  {
    number: { type: Number, required: true },
    expr: { type: String, required: true },
    system: { type: { _id: false, kind: String, monthDay: String, from: Date, to: Date } },
    content: { type: Schema.Types.Mixed, required: true },
    holdout: { type: { _id: false, share: Number, seed: String } },
    state: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    confirmedBy: String,
    confirmedAt: Date,
    schedule: { type: { _id: false, kind: String, text: String, at: Date, cron: String } },
    parent: Number,
    firingKey: { type: String, required: true },
    preview: { type: numbers },
    plan: { type: numbers },
    results: { type: Schema.Types.Mixed },
    sentAt: Date,
    finishedAt: Date,
    reportedAt: Date,
    failure: String,
  },
  { versionKey: false, minimize: false },
);
broadcastSchema.index({ number: 1 }, { unique: true });
broadcastSchema.index({ state: 1 });
// One copy per firing of a recurring schedule, even when two instances fire it.
broadcastSchema.index({ firingKey: 1 }, { unique: true });

/** The Broadcast model on `connection` (collection `broadcasts`). */
export function getBroadcastModel(connection: Connection): Model<Broadcast> {
  return modelOn(connection, 'Broadcast', broadcastSchema, 'broadcasts');
}

const counterSchema = new Schema<{ _id: string; seq: number }>({ _id: String, seq: Number }, { versionKey: false });

/** The next broadcast number (1, 2, 3…), shared by all instances. */
export async function nextBroadcastNumber(connection: Connection): Promise<number> {
  const counters = modelOn(connection, 'Counter', counterSchema, 'counters');
  const doc = await counters.findOneAndUpdate({ _id: 'broadcast' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' }).lean();
  return doc!.seq;
}

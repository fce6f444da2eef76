/**
 * PURE: checks one incoming order row (from the API body or an import file) and turns it
 * into the order fanhook stores. A row either becomes an order or a reason in plain words
 * that names the field, so a shop can fix its export; nothing of a refused row is kept.
 * Unknown fields are dropped (shops export many), and every kept value is a plain string or
 * number, so row text never reaches MongoDB as an operator or a key.
 */
import { z } from 'zod';
import { zonedToDate } from '../broadcast/zoned-time.js';
import type { Order, OrderItem } from './order-model.js';

/** An order as checked, before fanhook adds `receivedAt`. */
export type OrderContent = Omit<Order, 'receivedAt'>;

export type OrderCheck = { ok: true; order: OrderContent } | { ok: false; reason: string };

/** WeChat openids and unionids: 28 characters today; letters, digits, `-` and `_`. */
const WECHAT_ID = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'must be a WeChat id (letters, digits, - or _)');
const TEXT = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
/** ISO 8601 with a time; without an offset it is the shop's local time (spreadsheets export that). */
const PAID_AT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

const itemSchema = z.object({
  sku: TEXT(64),
  name: TEXT(100),
  qty: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(100_000),
  size: TEXT(32).optional(),
  colour: TEXT(32).optional(),
});

const orderSchema = z.object({
  orderId: z.union([TEXT(64), z.number().int().nonnegative().transform(String)], { error: 'must be a string' }),
  openId: WECHAT_ID.optional(),
  unionId: WECHAT_ID.optional(),
  amountFen: z
    .number({ error: 'must be a number of fen' })
    .int('must be a whole number of fen (1 yuan = 100 fen)')
    .min(0, 'must not be negative')
    .max(100_000_000_00, 'is too large'),
  paidAt: z.string({ error: 'must be an ISO 8601 date and time' }),
  items: z.array(itemSchema, { error: 'must be a list of items' }).min(1, 'must list at least one item').max(500),
  source: TEXT(32).optional(),
});

/** Checks `raw`; local times without an offset are read in `timeZone`. */
export function checkOrder(raw: unknown, timeZone: string): OrderCheck {
  const parsed = orderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'row';
    return { ok: false, reason: `${field}: ${valueAt(raw, issue.path) === undefined ? 'is required' : issue.message}` };
  }
  const row = parsed.data;
  if (!row.openId && !row.unionId) {
    return { ok: false, reason: 'openId or unionId is required' };
  }
  const paidAt = parsePaidAt(row.paidAt, timeZone);
  if (!paidAt) {
    return { ok: false, reason: 'paidAt: must be an ISO 8601 date and time, e.g. 2026-11-20T14:03:00+08:00' };
  }
  return {
    ok: true,
    order: {
      _id: row.orderId,
      ...(row.openId ? { openId: row.openId } : {}),
      ...(row.unionId ? { unionId: row.unionId } : {}),
      amountFen: row.amountFen,
      paidAt,
      items: row.items.map(itemOf),
      ...(row.source ? { source: row.source } : {}),
    },
  };
}

/** The value at `path` inside the raw row (undefined when absent), to tell "missing" from "wrong". */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      return undefined;
    }
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function itemOf(item: z.infer<typeof itemSchema>): OrderItem {
  return {
    sku: item.sku,
    name: item.name,
    qty: item.qty,
    ...(item.size ? { size: item.size } : {}),
    ...(item.colour ? { colour: item.colour } : {}),
  };
}

/** The instant `text` names, or undefined when it is not a real date and time. */
export function parsePaidAt(text: string, timeZone: string): Date | undefined {
  const match = PAID_AT.exec(text.trim());
  if (!match) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second = '0', offset] = match;
  const fields = { year: +year!, month: +month!, day: +day!, hour: +hour!, minute: +minute!, second: +second };
  const check = new Date(Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second));
  if (check.getUTCMonth() !== fields.month - 1 || check.getUTCDate() !== fields.day || fields.hour > 23 || fields.minute > 59) {
    return undefined;
  }
  const date = offset
    ? new Date(Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second.padStart(2, '0')}${offsetOf(offset)}`))
    : zonedToDate(fields, timeZone);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `Z` or `+08:00` (a `+0800` from a spreadsheet gets its colon). */
function offsetOf(offset: string): string {
  return offset === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
}

/** The stored form of an order's content, to tell an unchanged re-import from a changed one. */
export function sameOrderContent(a: OrderContent, b: OrderContent): boolean {
  return contentKey(a) === contentKey(b);
}

function contentKey(order: OrderContent): string {
  return JSON.stringify([
    order._id,
    order.openId ?? null,
    order.unionId ?? null,
    order.amountFen,
    order.paidAt.getTime(),
    order.items.map((item) => [item.sku, item.name, item.qty, item.size ?? null, item.colour ?? null]),
    order.source ?? null,
  ]);
}

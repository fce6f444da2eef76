/**
 * PURE: what an upload of order rows asks for, before anything is read or written. Every row
 * is checked (a refused row keeps its index, line and reason); rows that repeat an order id
 * are folded into the order's last version, remembering how the upload changed it on the way,
 * so the answer counts each row as if the rows had been sent one after another. `inBuyerOrder`
 * then groups the orders by buyer, so a buyer's orders are stored together and the buyer's
 * purchase facts can be brought up to date while the next buyers' orders are being stored.
 */
import { checkOrder, sameOrderContent, type OrderContent } from './order-input.js';
import type { OrderRow } from './read-order-rows.js';

export interface RefusedRow {
  /** 0-based position of the row in the upload (array element, NDJSON line or CSV order). */
  index: number;
  /** 1-based line in the body or file where the row starts (NDJSON and CSV). */
  line?: number;
  reason: string;
}

/** One order id of the upload: its first and last version, and what the rows in between did. */
export interface PlannedOrder {
  first: OrderContent;
  last: OrderContent;
  /** Later rows that changed the order from the row before them. */
  changes: number;
  /** Later rows identical to the row before them. */
  repeats: number;
}

export interface ImportPlan {
  /** Distinct order ids, in the order of their first row. */
  orders: PlannedOrder[];
  refusedRows: RefusedRow[];
}

/** Checks and folds `rows`; paid-at times without an offset are read in `timezone`. */
export function planImport(rows: readonly OrderRow[], timezone: string): ImportPlan {
  const refusedRows: RefusedRow[] = [];
  const byId = new Map<string, PlannedOrder>();
  for (const row of rows) {
    const check = 'unreadable' in row ? { ok: false as const, reason: row.unreadable } : checkOrder(row.raw, timezone);
    if (!check.ok) {
      refusedRows.push({ index: row.index, ...(row.line ? { line: row.line } : {}), reason: check.reason });
      continue;
    }
    const planned = byId.get(check.order._id);
    if (!planned) {
      byId.set(check.order._id, { first: check.order, last: check.order, changes: 0, repeats: 0 });
    } else if (sameOrderContent(planned.last, check.order)) {
      planned.repeats += 1;
    } else {
      planned.last = check.order;
      planned.changes += 1;
    }
  }
  return { orders: [...byId.values()], refusedRows };
}

/** `orders` grouped by buyer (sorted by `buyerKeyOf` of their last version). */
export function inBuyerOrder(orders: PlannedOrder[]): PlannedOrder[] {
  const keyed = orders.map((order) => ({ order, key: buyerKeyOf(order.last) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ order }) => order);
}

/** Who an order names as its buyer: the openid, or the unionid for an order that has no openid. */
export function buyerKeyOf(order: Pick<OrderContent, 'openId' | 'unionId'>): string {
  return order.openId ? `o:${order.openId}` : `u:${order.unionId ?? ''}`;
}

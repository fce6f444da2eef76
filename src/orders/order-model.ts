/**
 * An order from the shop (Youzan, Weidian, a spreadsheet export), as `POST /api/orders` and
 * `npm run import-orders` store it. The shop's order id is the `_id`, so importing the same
 * export twice stores each order once. An order names its buyer by openid or unionid; one
 * whose fan is not known yet is kept as it is and joined when the fan appears, because the
 * fan's purchase facts are recomputed from this collection, never stored only on the fan.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export interface OrderItem {
  sku: string;
  name: string;
  qty: number;
  size?: string;
  colour?: string;
}

export interface Order {
  /** The shop's order id: the idempotency key. */
  _id: string;
  openId?: string;
  /** The buyer's WeChat unionid, when the shop knows it rather than the openid. */
  unionId?: string;
  /** Amount paid, in fen (an integer ≥ 0). */
  amountFen: number;
  paidAt: Date;
  items: OrderItem[];
  /** Where the order came from (e.g. `youzan`, `weidian`, `sheet`). */
  source?: string;
  /** When fanhook first stored the order (an unchanged re-import keeps it). */
  receivedAt: Date;
}

const orderSchema = new Schema<Order>(
  {
    _id: { type: String, required: true },
    openId: { type: String },
    unionId: { type: String },
    amountFen: { type: Number, required: true, min: 0, validate: Number.isInteger },
    paidAt: { type: Date, required: true },
    items: { type: [{ _id: false, sku: String, name: String, qty: Number, size: String, colour: String }], default: [] },
    source: { type: String },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// A fan's orders in time: the purchase facts ($match by openid, $group) and the attribution
// window of a broadcast report (orders of these fans paid between the push and N days after).
orderSchema.index({ openId: 1, paidAt: 1 });
// The orders paid in a broadcast's attribution window (/report): a week's orders are far fewer
// than a push's recipients, so the report reads the window once instead of looking up every fan.
orderSchema.index({ paidAt: 1 });
// Orders that name the buyer by unionid, joined to the fan carrying that unionid. Sparse: most
// orders name an openid, and an order outside the index costs its insert one entry less.
orderSchema.index({ unionId: 1 }, { name: 'unionId_1_sparse', sparse: true });

/** The Order model on `connection` (collection `orders`). */
export function getOrderModel(connection: Connection): Model<Order> {
  return modelOn(connection, 'Order', orderSchema, 'orders');
}

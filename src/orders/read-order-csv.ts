/**
 * PURE: the orders of a CSV file as a shop's spreadsheet exports them — one row per item,
 * the order's own columns repeated on each of its rows (Youzan's and Weidian's "order
 * details" exports look like this). Rows with the same order id make one order; the first
 * header row names the columns, in English or in the Chinese a shop's export uses:
 *
 *   orderId 订单号 · openId · unionId · amountFen 实付金额(分) · paidAt 支付时间 · sku 商品编码 ·
 *   name 商品名称 · qty 数量 · size 尺码 · colour 颜色 · source 来源
 *
 * Each order becomes one row for checkOrder, numbered by its position among the orders and
 * carrying the file line of its first row, so a refusal points at a line the merchant sees.
 */
import { parse } from 'csv-parse/sync';
import { OrderBodyError, type OrderRow } from './read-order-rows.js';

const ORDER_FIELDS = ['orderId', 'openId', 'unionId', 'amountFen', 'paidAt', 'source'] as const;
const ITEM_FIELDS = ['sku', 'name', 'qty', 'size', 'colour'] as const;
type Column = (typeof ORDER_FIELDS)[number] | (typeof ITEM_FIELDS)[number];

const HEADER_NAMES = new Map<string, Column>([
  ...[...ORDER_FIELDS, ...ITEM_FIELDS].map((field) => [field.toLowerCase(), field] as const),
  ['color', 'colour'],
  ['订单号', 'orderId'],
  ['订单编号', 'orderId'],
  ['实付金额(分)', 'amountFen'],
  ['实付金额（分）', 'amountFen'],
  ['支付时间', 'paidAt'],
  ['付款时间', 'paidAt'],
  ['商品编码', 'sku'],
  ['商品名称', 'name'],
  ['数量', 'qty'],
  ['尺码', 'size'],
  ['颜色', 'colour'],
  ['来源', 'source'],
]);

/** Orders of the CSV `text` as rows to check. @throws OrderBodyError when the header lacks a needed column. */
export function readOrderCsv(text: string): OrderRow[] {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    throw new OrderBodyError(`the CSV file cannot be read: ${(error as Error).message}`);
  }
  const [header = [], ...lines] = records;
  const columns = header.map((name) => HEADER_NAMES.get(name.toLowerCase()));
  const missing = ['orderId', 'amountFen', 'paidAt', 'sku', 'name', 'qty'].filter((field) => !columns.includes(field as Column));
  if (missing.length > 0) {
    throw new OrderBodyError(`the CSV header lacks the column(s) ${missing.join(', ')}`);
  }
  const orders = new Map<string, { line: number; order: Record<string, unknown>; items: Record<string, unknown>[] }>();
  lines.forEach((cells, at) => {
    const row = new Map<Column, string>();
    columns.forEach((column, i) => {
      if (column && cells[i]) {
        row.set(column, cells[i]);
      }
    });
    // Rows without an order id are each their own (refused) order, not merged into one.
    const key = row.get('orderId') ?? `\u0000line ${at}`;
    const entry = orders.get(key) ?? { line: at + 2, order: pick(row, ORDER_FIELDS), items: [] };
    entry.items.push(pick(row, ITEM_FIELDS));
    orders.set(key, entry);
  });
  return [...orders.values()].map((entry, index) => ({ index, line: entry.line, raw: { ...entry.order, items: entry.items } }));
}

/** The given columns of a row; whole numbers become numbers (amounts, quantities), the rest stays text. */
function pick(row: Map<Column, string>, fields: readonly Column[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = row.get(field);
    if (value !== undefined) {
      out[field] = (field === 'amountFen' || field === 'qty') && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    }
  }
  return out;
}

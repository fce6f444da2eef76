/**
 * The parsed form of a segment expression (SPEC.md §6). Every leaf names one fan field the
 * compiler knows; user text only ever appears as a value.
 */

/** `active` = last interaction, `idle` = no interaction since, `followed` = follow time, `ordered` = last order. */
export type RecencyMetric = 'active' | 'idle' | 'followed' | 'ordered';

/** A comparison of a purchase total: `orders>=2`, `spent>500`. */
export type AmountOp = '>' | '>=' | '<' | '<=' | '=';

export type SegmentNode =
  | { type: 'all' }
  | { type: 'tag'; name: string }
  | { type: 'attr'; key: string; value: string }
  | { type: 'source'; value: string }
  | { type: 'region'; value: string }
  | { type: 'recency'; metric: RecencyMetric; op: '<' | '>'; hours: number }
  /** Bought an item with this SKU or this exact item name. */
  | { type: 'bought'; value: string }
  | { type: 'orders'; op: AmountOp; count: number }
  /** Total spent, compared in fen (typed in yuan). */
  | { type: 'spent'; op: AmountOp; fen: number }
  | { type: 'never-ordered' }
  /** An RFM tier key (templates/rfm.yaml). */
  | { type: 'rfm'; tier: string }
  /** Opened a tracked link of this broadcast. */
  | { type: 'clicked'; broadcast: number }
  | { type: 'not'; expr: SegmentNode }
  | { type: 'and'; items: SegmentNode[] }
  | { type: 'or'; items: SegmentNode[] };

/** Renders a node back to canonical expression text (for previews, reports and tests). */
export function formatSegment(node: SegmentNode): string {
  switch (node.type) {
    case 'all':
      return 'all';
    case 'tag':
      return `tag:${quoteIfNeeded(node.name)}`;
    case 'attr':
      return `attr:${node.key}=${quoteIfNeeded(node.value)}`;
    case 'source':
    case 'region':
      return `${node.type}:${quoteIfNeeded(node.value)}`;
    case 'recency':
      return `${node.metric}${node.op}${node.hours % 24 === 0 ? `${node.hours / 24}d` : `${node.hours}h`}`;
    case 'bought':
      return `bought:${quoteIfNeeded(node.value)}`;
    case 'orders':
      return `orders${node.op}${node.count}`;
    case 'spent':
      return `spent${node.op}${node.fen / 100}`;
    case 'never-ordered':
      return 'never-ordered';
    case 'rfm':
      return `rfm:${node.tier}`;
    case 'clicked':
      return `clicked:${node.broadcast}`;
    case 'not':
      return `NOT ${wrap(node.expr)}`;
    case 'and':
      return node.items.map(wrap).join(' ');
    case 'or':
      return node.items.map((item) => (item.type === 'and' ? `(${formatSegment(item)})` : wrap(item))).join(' OR ');
  }
}

function wrap(node: SegmentNode): string {
  return node.type === 'or' || node.type === 'and' ? `(${formatSegment(node)})` : formatSegment(node);
}

function quoteIfNeeded(value: string): string {
  return /^[^\s()"]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

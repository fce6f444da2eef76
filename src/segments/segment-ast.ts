/**
 * The parsed form of a segment expression (SPEC.md §6). Every leaf names one fan field the
 * compiler knows; user text only ever appears as a value.
 */

/** `active` = last interaction, `idle` = no interaction since, `followed` = follow time. */
export type RecencyMetric = 'active' | 'idle' | 'followed';

export type SegmentNode =
  | { type: 'all' }
  | { type: 'tag'; name: string }
  | { type: 'attr'; key: string; value: string }
  | { type: 'source'; value: string }
  | { type: 'region'; value: string }
  | { type: 'recency'; metric: RecencyMetric; op: '<' | '>'; hours: number }
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

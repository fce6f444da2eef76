/**
 * PURE: a recursive-descent parser for segment expressions (SPEC.md §6).
 *
 *   expr    := orExpr
 *   orExpr  := andExpr ( OR andExpr )*
 *   andExpr := unary ( [AND] unary )*          — juxtaposition means AND
 *   unary   := ( NOT | '-' ) unary | primary
 *   primary := '(' expr ')' | atom
 *   atom    := all | tag:NAME | attr:KEY=VALUE | source:X | region:X | (active|idle|followed|ordered)(<|>)N(d|h|w)
 *            | bought:NAME | rfm:TIER | clicked:ID | (orders|spent)(>|>=|<|<=|=)N | never-ordered
 *
 * Keywords are case-insensitive and have Chinese twins (或, 且, 非, 全部; 标签, 属性, 来源, 地区;
 * 买过, 分层, 点击, 订单, 消费, 下单, 未下单).
 */
import type { AmountOp, RecencyMetric, SegmentNode } from './segment-ast.js';
import { normaliseSegmentText, SegmentSyntaxError, tokenizeSegment, type SegmentToken } from './tokenize-segment.js';

export { SegmentSyntaxError };

export const MAX_SEGMENT_LENGTH = 500;
const MAX_DEPTH = 16;
const MAX_ATOMS = 40;
const MAX_VALUE_LENGTH = 64;

const KEYWORDS: Record<string, 'OR' | 'AND' | 'NOT'> = { or: 'OR', 或: 'OR', and: 'AND', 且: 'AND', not: 'NOT', 非: 'NOT' };
type FieldName = 'tag' | 'attr' | 'source' | 'region' | 'bought' | 'rfm' | 'clicked';
const FIELD_NAMES: Record<string, FieldName> = {
  tag: 'tag',
  标签: 'tag',
  attr: 'attr',
  属性: 'attr',
  source: 'source',
  来源: 'source',
  region: 'region',
  地区: 'region',
  bought: 'bought',
  买过: 'bought',
  rfm: 'rfm',
  分层: 'rfm',
  clicked: 'clicked',
  点击: 'clicked',
};
const METRICS: Record<string, RecencyMetric> = {
  active: 'active',
  活跃: 'active',
  idle: 'idle',
  沉默: 'idle',
  followed: 'followed',
  关注: 'followed',
  ordered: 'ordered',
  下单: 'ordered',
};
const AMOUNTS: Record<string, 'orders' | 'spent'> = { orders: 'orders', 订单: 'orders', spent: 'spent', 消费: 'spent' };
const AMOUNT = /^([^<>=:]+)(>=|<=|>|<|=)(\d{1,9}(?:\.\d{1,2})?)$/;
const UNIT_HOURS: Record<string, number> = { h: 1, 小时: 1, d: 24, 天: 24, w: 168, 周: 168 };
const ATTR_KEY = /^[\p{L}\p{N}_-]{1,32}$/u;

/**
 * What the parser asks the merchant's configuration: which RFM tier a name means. Without
 * it (re-reading a stored, already canonical expression) a tier is taken as written.
 */
export interface SegmentVocabulary {
  /** The tier key `text` names (key or Chinese name), undefined when there is none. */
  tierKeyOf(text: string): string | undefined;
  /** The tiers one may name, for the error message. */
  tierList(): string;
}

/** Parses `text` into a segment tree. @throws SegmentSyntaxError pointing at the problem. */
export function parseSegment(text: string, vocabulary?: SegmentVocabulary): SegmentNode {
  if (text.length > MAX_SEGMENT_LENGTH) {
    throw new SegmentSyntaxError(`表达式太长（最多 ${MAX_SEGMENT_LENGTH} 个字符）`, MAX_SEGMENT_LENGTH);
  }
  const source = normaliseSegmentText(text);
  const parser = new Parser(tokenizeSegment(source), source.length, vocabulary);
  return parser.parseAll();
}

class Parser {
  private index = 0;
  private depth = 0;
  private atoms = 0;

  constructor(
    private readonly tokens: SegmentToken[],
    private readonly end: number,
    private readonly vocabulary: SegmentVocabulary | undefined,
  ) {}

  parseAll(): SegmentNode {
    if (this.tokens.length === 0) {
      throw new SegmentSyntaxError('人群表达式是空的', 0);
    }
    const node = this.parseOr();
    const extra = this.peek();
    if (extra) {
      throw new SegmentSyntaxError(extra.kind === ')' ? '多余的右括号' : '无法理解这里的内容', extra.pos);
    }
    return node;
  }

  private parseOr(): SegmentNode {
    const items = [this.parseAnd()];
    while (this.keywordAt(this.peek()) === 'OR') {
      this.index += 1;
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0]! : { type: 'or', items };
  }

  private parseAnd(): SegmentNode {
    const items = [this.parseUnary()];
    for (;;) {
      const next = this.peek();
      const keyword = this.keywordAt(next);
      if (!next || next.kind === ')' || keyword === 'OR') {
        break;
      }
      if (keyword === 'AND') {
        this.index += 1;
      }
      items.push(this.parseUnary());
    }
    return items.length === 1 ? items[0]! : { type: 'and', items };
  }

  private parseUnary(): SegmentNode {
    const token = this.peek();
    if (token && (token.kind === '-' || this.keywordAt(token) === 'NOT')) {
      this.index += 1;
      return { type: 'not', expr: this.nested(() => this.parseUnary(), token.pos) };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): SegmentNode {
    const token = this.peek();
    if (!token) {
      throw new SegmentSyntaxError('表达式不完整，这里还缺一个条件', this.end);
    }
    if (token.kind === '(') {
      this.index += 1;
      const inner = this.nested(() => this.parseOr(), token.pos);
      const close = this.peek();
      if (!close || close.kind !== ')') {
        throw new SegmentSyntaxError('缺少右括号', close?.pos ?? this.end);
      }
      this.index += 1;
      return inner;
    }
    if (token.kind !== 'word' || this.keywordAt(token)) {
      throw new SegmentSyntaxError(token.kind === ')' ? '多余的右括号' : '这里需要一个条件', token.pos);
    }
    this.index += 1;
    if (++this.atoms > MAX_ATOMS) {
      throw new SegmentSyntaxError(`条件太多（最多 ${MAX_ATOMS} 个）`, token.pos);
    }
    return parseAtom(token.text, token.pos, this.vocabulary);
  }

  private nested(parse: () => SegmentNode, pos: number): SegmentNode {
    if (++this.depth > MAX_DEPTH) {
      throw new SegmentSyntaxError('嵌套太深', pos);
    }
    const node = parse();
    this.depth -= 1;
    return node;
  }

  private peek(): SegmentToken | undefined {
    return this.tokens[this.index];
  }

  private keywordAt(token: SegmentToken | undefined): 'OR' | 'AND' | 'NOT' | undefined {
    return token?.kind === 'word' && !token.quoted ? ownEntry(KEYWORDS, token.text.toLowerCase()) : undefined;
  }
}

/** `table[key]` for the table's own keys only: typed text never reaches `constructor` and the like. */
function ownEntry<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** One condition word, e.g. `tag:vip` or `idle>30d`; `pos` is where the word starts. */
function parseAtom(text: string, pos: number, vocabulary: SegmentVocabulary | undefined): SegmentNode {
  if (/^(all|全部)$/i.test(text)) {
    return { type: 'all' };
  }
  if (/^(never-ordered|未下单)$/i.test(text)) {
    return { type: 'never-ordered' };
  }
  const amount = AMOUNT.exec(text);
  if (amount && ownEntry(AMOUNTS, amount[1]!.toLowerCase())) {
    return parseAmount(amount, pos);
  }
  const recency = /^([^<>=:]+)([<>])(\d{1,4})(h|d|w|小时|天|周)?$/i.exec(text);
  if (recency) {
    return parseRecency(recency, pos);
  }
  const colon = text.indexOf(':');
  if (colon <= 0) {
    throw new SegmentSyntaxError(
      `无法识别的条件「${text}」，可用：tag: attr: source: region: bought: rfm: clicked: active< idle> followed< ordered< orders>= spent> never-ordered all`,
      pos,
    );
  }
  const field = ownEntry(FIELD_NAMES, text.slice(0, colon).toLowerCase());
  if (!field) {
    throw new SegmentSyntaxError(`未知字段「${text.slice(0, colon)}」，可用：tag、attr、source、region、bought、rfm、clicked`, pos);
  }
  const valuePos = pos + colon + 1;
  const value = text.slice(colon + 1);
  switch (field) {
    case 'attr':
      return parseAttr(value, valuePos);
    case 'tag':
      return { type: 'tag', name: checkValue(value, valuePos) };
    case 'rfm':
      return parseTier(checkValue(value, valuePos), valuePos, vocabulary);
    case 'clicked':
      return parseClicked(value, valuePos);
    default:
      return { type: field, value: checkValue(value, valuePos) };
  }
}

/** `orders>=2` (a whole number of orders) or `spent>500` (yuan, up to 2 decimals, compared in fen). */
function parseAmount(match: RegExpExecArray, pos: number): SegmentNode {
  const metric = AMOUNTS[match[1]!.toLowerCase()]!;
  const op = match[2] as AmountOp;
  const number = match[3]!;
  if (metric === 'spent') {
    return { type: 'spent', op, fen: Math.round(Number(number) * 100) };
  }
  if (number.includes('.')) {
    throw new SegmentSyntaxError('订单数必须是整数，例如 orders>=2', pos + match[1]!.length + op.length);
  }
  return { type: 'orders', op, count: Number(number) };
}

function parseTier(value: string, pos: number, vocabulary: SegmentVocabulary | undefined): SegmentNode {
  if (!vocabulary) {
    return { type: 'rfm', tier: value };
  }
  const tier = vocabulary.tierKeyOf(value);
  if (!tier) {
    throw new SegmentSyntaxError(`未知分层「${value}」，可用：${vocabulary.tierList()}`, pos);
  }
  return { type: 'rfm', tier };
}

/** `clicked:12` or `clicked:#12`: a broadcast number as /report shows it. */
function parseClicked(value: string, pos: number): SegmentNode {
  const match = /^#?(\d{1,9})$/.exec(value);
  if (!match || Number(match[1]) === 0) {
    throw new SegmentSyntaxError('点击条件要写群发编号，例如 clicked:12', pos);
  }
  return { type: 'clicked', broadcast: Number(match[1]) };
}

function parseRecency(match: RegExpExecArray, pos: number): SegmentNode {
  const metric = ownEntry(METRICS, match[1]!.toLowerCase());
  if (!metric) {
    throw new SegmentSyntaxError(`未知的时间条件「${match[1]}」，可用：active、idle、followed、ordered`, pos);
  }
  const amount = Number(match[3]);
  const unit = UNIT_HOURS[(match[4] ?? 'd').toLowerCase()]!;
  if (amount <= 0) {
    throw new SegmentSyntaxError('时间必须大于 0', pos + match[1]!.length + 1);
  }
  return { type: 'recency', metric, op: match[2] as '<' | '>', hours: amount * unit };
}

function parseAttr(text: string, pos: number): SegmentNode {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new SegmentSyntaxError('属性条件要写成 attr:名称=值，例如 attr:size=L', pos);
  }
  const key = text.slice(0, eq);
  if (!ATTR_KEY.test(key)) {
    throw new SegmentSyntaxError(`属性名「${key}」只能包含文字、数字、_ 或 -`, pos);
  }
  return { type: 'attr', key, value: checkValue(text.slice(eq + 1), pos + eq + 1) };
}

function checkValue(value: string, pos: number): string {
  if (value.length === 0) {
    throw new SegmentSyntaxError('这里缺少值', pos);
  }
  if (value.length > MAX_VALUE_LENGTH || /\p{Cc}/u.test(value)) {
    throw new SegmentSyntaxError(`值太长或含有控制字符（最多 ${MAX_VALUE_LENGTH} 个字符）`, pos);
  }
  return value;
}

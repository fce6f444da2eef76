import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSafeSegmentFilter, compileSegment } from '../../src/segments/compile-segment.js';
import { parseSegment, SegmentSyntaxError } from '../../src/segments/parse-segment.js';
import { formatSegment } from '../../src/segments/segment-ast.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 24 * 3_600_000;

/** Every object key anywhere in a filter: where an operator would have to appear. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(keysOf);
  }
  if (typeof value !== 'object' || value === null || value instanceof Date) {
    return [];
  }
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
}

function errorOf(text: string): SegmentSyntaxError {
  try {
    parseSegment(text);
  } catch (error) {
    if (error instanceof SegmentSyntaxError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('parseSegment', () => {
  it('reads every atom of the spec', () => {
    expect(parseSegment('tag:vip')).toEqual({ type: 'tag', name: 'vip' });
    expect(parseSegment('attr:size=L')).toEqual({ type: 'attr', key: 'size', value: 'L' });
    expect(parseSegment('source:store_hz')).toEqual({ type: 'source', value: 'store_hz' });
    expect(parseSegment('region:浙江')).toEqual({ type: 'region', value: '浙江' });
    expect(parseSegment('active<7d')).toEqual({ type: 'recency', metric: 'active', op: '<', hours: 168 });
    expect(parseSegment('idle>30d')).toEqual({ type: 'recency', metric: 'idle', op: '>', hours: 720 });
    expect(parseSegment('followed<12h')).toEqual({ type: 'recency', metric: 'followed', op: '<', hours: 12 });
    expect(parseSegment('all')).toEqual({ type: 'all' });
  });

  it('treats space as AND, binds AND tighter than OR, and honours parentheses', () => {
    expect(formatSegment(parseSegment('tag:vip active<7d OR source:store_hz'))).toBe('(tag:vip active<7d) OR source:store_hz');
    expect(formatSegment(parseSegment('tag:vip (active<7d OR source:store_hz)'))).toBe('tag:vip (active<7d OR source:store_hz)');
    expect(parseSegment('tag:a AND tag:b')).toEqual(parseSegment('tag:a tag:b'));
  });

  it('negates with a minus, NOT or 非', () => {
    const expected = { type: 'not', expr: { type: 'tag', name: 'vip' } };
    expect(parseSegment('-tag:vip')).toEqual(expected);
    expect(parseSegment('NOT tag:vip')).toEqual(expected);
    expect(parseSegment('not tag:vip')).toEqual(expected);
    expect(parseSegment('非 标签:vip')).toEqual(expected);
  });

  it('accepts full-width punctuation and Chinese keywords from a Chinese keyboard', () => {
    expect(parseSegment('（标签：vip 或 来源：store_hz） 活跃＜7天')).toEqual(parseSegment('(tag:vip OR source:store_hz) active<7d'));
  });

  it('keeps quoted values with spaces and keyword-like text as values', () => {
    expect(parseSegment('tag:"big spender"')).toEqual({ type: 'tag', name: 'big spender' });
    expect(parseSegment('tag:"OR"')).toEqual({ type: 'tag', name: 'OR' });
  });

  it.each([
    ['', 0, '空'],
    ['tag:', 4, '缺少值'],
    ['tag:vip OR', 10, '不完整'],
    ['(tag:vip', 8, '右括号'],
    ['tag:vip)', 7, '多余的右括号'],
    ['color:red', 0, '未知字段'],
    ['attr:size', 5, 'attr:名称=值'],
    ['attr:$where=1', 5, '属性名'],
    ['bogus', 0, '无法识别'],
    ['idle>0d', 5, '大于 0'],
    ['tag:"vip', 4, '引号'],
    ['lastSeen<7d', 0, '未知的时间条件'],
  ])('points at the mistake in %j', (text, position, message) => {
    const error = errorOf(text);
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
  });

  it('refuses absurdly long or deep expressions instead of overflowing the stack', () => {
    expect(errorOf('('.repeat(100) + 'all' + ')'.repeat(100)).message).toContain('嵌套太深');
    expect(errorOf('tag:a '.repeat(60)).message).toContain('条件太多');
    expect(errorOf('x'.repeat(600)).message).toContain('太长');
  });
});

describe('compileSegment', () => {
  it('targets only subscribed fans', () => {
    expect(compileSegment(parseSegment('all'), NOW)).toEqual({ subscribed: true });
    expect(compileSegment(parseSegment('tag:vip'), NOW)).toEqual({ $and: [{ subscribed: true }, { 'tags.name': { $eq: 'vip' } }] });
  });

  it('turns time conditions into date comparisons relative to now', () => {
    expect(compileSegment(parseSegment('active<7d'), NOW)).toEqual({
      $and: [{ subscribed: true }, { lastSeenAt: { $gt: new Date(NOW.getTime() - 7 * DAY) } }],
    });
    expect(compileSegment(parseSegment('idle>30d'), NOW)).toEqual({
      $and: [{ subscribed: true }, { lastSeenAt: { $lt: new Date(NOW.getTime() - 30 * DAY) } }],
    });
    expect(compileSegment(parseSegment('followed<7d'), NOW)).toEqual({
      $and: [{ subscribed: true }, { subscribedAt: { $gt: new Date(NOW.getTime() - 7 * DAY) } }],
    });
  });

  it('compiles NOT to $nor and OR to $or', () => {
    expect(compileSegment(parseSegment('-tag:vip OR source:a'), NOW)).toEqual({
      $and: [{ subscribed: true }, { $or: [{ $nor: [{ 'tags.name': { $eq: 'vip' } }] }, { source: { $eq: 'a' } }] }],
    });
  });

  it('matches regions by an escaped prefix, so regex syntax in the value is literal', () => {
    expect(compileSegment(parseSegment('region:浙.*'), NOW)).toEqual({
      $and: [{ subscribed: true }, { 'location.region': { $regex: '^浙\\.\\*' } }],
    });
  });

  it.each(['tag:{"$gt":""}', 'attr:size={"$ne":null}', 'source:$where', 'tag:"$where: function() { return true }"', 'region:^.*$'])(
    'keeps smuggled operator text %j as a plain value',
    (text) => {
      const filter = compileSegment(parseSegment(text), NOW);
      expect(
        keysOf(filter).every((key) =>
          ['$and', '$eq', '$regex', 'subscribed', 'tags.name', 'source', 'location.region', 'attributes.size'].includes(key),
        ),
      ).toBe(true);
      expect(() => assertSafeSegmentFilter(filter)).not.toThrow();
    },
  );

  it.each(['attr:$where=1', 'attr:a.b=1', 'attr:__proto__.x=1', '$where:1', 'tags.name:vip'])('refuses %j as a field path', (text) => {
    expect(() => parseSegment(text)).toThrow(SegmentSyntaxError);
  });

  it('produces a safe filter or a syntax error for any input (property)', () => {
    expect(() =>
      fc.assert(
        fc.property(fc.string({ maxLength: 80, unit: fc.constantFrom(...'tag:attr=$where{}"()-<>ORNOT 7dxa.\\'.split('')) }), (text) => {
          let filter: unknown;
          try {
            filter = compileSegment(parseSegment(text), NOW);
          } catch (error) {
            // Anything but a user-facing syntax error is a bug.
            return error instanceof SegmentSyntaxError;
          }
          assertSafeSegmentFilter(filter);
          return true;
        }),
        { numRuns: 2000 },
      ),
    ).not.toThrow();
  });

  it('the safety check rejects operators and paths the compiler must never emit', () => {
    expect(() => assertSafeSegmentFilter({ $where: 'true' })).toThrow(/not allowed/);
    expect(() => assertSafeSegmentFilter({ 'tags.name': { $ne: 'x' } })).toThrow(/not allowed/);
    expect(() => assertSafeSegmentFilter({ 'tags.name': { $eq: { $gt: '' } } })).toThrow(/not allowed/);
    expect(() => assertSafeSegmentFilter({ password: 'x' })).toThrow(/not allowed/);
  });
});

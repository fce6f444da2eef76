/**
 * Property tests over everything that parses text from outside: the callback XML parser, the
 * chat-command parser and the segment-expression parser. Whatever arrives, each one either
 * returns a value or throws its own clear error — never a crash, never a hang, never an
 * operator smuggled into a MongoDB filter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/admin/parse-command.js';
import { ValidationError } from '../../src/errors.js';
import { compileSegment, assertSafeSegmentFilter } from '../../src/segments/compile-segment.js';
import { parseSegment, SegmentSyntaxError } from '../../src/segments/parse-segment.js';
import { parseInboundXml } from '../../src/wechat/inbound-xml.js';
import { buildReplyXml, cdata } from '../../src/wechat/reply-xml.js';
import { parseEncryptedEnvelope } from '../../src/wechat/xml-parse.js';

/** Runs `fn` and returns how long it took; the properties below bound it. */
const timed = (fn: () => void): number => {
  const started = performance.now();
  fn();
  return performance.now() - started;
};

/** Throws unless `error` is the parser's own ValidationError with a message. */
const expectValidationError = (error: unknown): void => {
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message.length).toBeGreaterThan(0);
};

const xmlish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.stringMatching(/^<xml>(<[A-Za-z]{1,8}>[^<]{0,20}<\/[A-Za-z]{1,8}>){0,6}<\/xml>$/),
  fc.constantFrom(
    '<!DOCTYPE x [<!ENTITY a "b">]><xml/>',
    '<xml><![CDATA[',
    '<xml>&#xFFFFFFFF;</xml>',
    '<xml><a>&lol9;</a></xml>',
    '\uFEFF<xml/>',
    '<xml></xml><xml></xml>',
  ),
);

describe('callback XML parser under arbitrary input', () => {
  it('returns a message or throws a ValidationError for any body, quickly', () => {
    fc.assert(
      fc.property(xmlish, (body) => {
        const ms = timed(() => {
          for (const parse of [parseInboundXml, parseEncryptedEnvelope]) {
            try {
              parse(body);
            } catch (error) {
              expectValidationError(error);
            }
          }
        });
        // A hang detector, not a benchmark: generous for a busy CI machine.
        expect(ms).toBeLessThan(1_000);
      }),
      { numRuns: 1_000 },
    );
  }, 30_000);

  it('parses any text message content exactly as sent, whatever characters it holds', () => {
    // oxlint-disable-next-line no-control-regex -- the characters XML 1.0 forbids
    const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/;
    const content = fc
      .string({ unit: 'grapheme', maxLength: 200 })
      .filter((s) => s === s.trim() && !forbidden.test(s) && !/^[\s\u00a0]|[\s\u00a0]$/.test(s));
    fc.assert(
      fc.property(content, fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), (text, msgId) => {
        const xml = `<xml><ToUserName>${cdata('gh_x')}</ToUserName><FromUserName>${cdata('oFuzz')}</FromUserName><CreateTime>1700000000</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(text)}</Content><MsgId>${msgId}</MsgId></xml>`;
        const message = parseInboundXml(xml);
        expect(message.kind === 'text' ? message.content : null).toBe(text);
        // 64-bit MsgIds stay exact strings (a Number would round them).
        expect(message.msgId).toBe(msgId.toString());
      }),
      { numRuns: 500 },
    );
  });

  it('refuses deeply nested and huge documents with a clear error instead of overflowing the stack', () => {
    // Just under the 256 KiB body limit, which bounds what the parser is ever given.
    const deep = `<xml>${'<a>'.repeat(30_000)}${'</a>'.repeat(30_000)}</xml>`;
    const wide = `<xml>${'<Item>x</Item>'.repeat(18_000)}</xml>`;
    for (const body of [deep, wide]) {
      const ms = timed(() => {
        try {
          parseInboundXml(body);
        } catch (error) {
          expectValidationError(error);
        }
      });
      expect(ms).toBeLessThan(5_000);
    }
  }, 30_000);

  it('builds reply XML that parses back to the same text for any content', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (content) => {
        const xml = buildReplyXml({ type: 'text', content }, { toUserName: 'oFan', fromUserName: 'gh_x', createTime: 1 });
        expect(() => parseEncryptedEnvelope(xml)).toThrow(ValidationError); // a reply has no Encrypt
        expect(xml.startsWith('<xml>') && xml.endsWith('</xml>')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('chat-command parser under arbitrary input', () => {
  it('never throws, and only text starting with / or ／ is a command', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        const parsed = parseCommand(text);
        const looksLikeCommand = /^[/／]/.test(text.replace(/\u3000/g, ' ').trim());
        expect(parsed === null || looksLikeCommand).toBe(true);
        expect(parsed === null || (parsed.name.length > 0 && parsed.argv.every((arg) => arg.length > 0))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('handles a 100,000-character message without a slow regular expression', () => {
    const ms = timed(() => parseCommand(`/tag ${' \t'.repeat(50_000)}x`));
    expect(ms).toBeLessThan(1_000);
  });
});

/** True when the compiled filter passes the guard against operators from user text. */
const isSafe = (filter: unknown): boolean => {
  try {
    assertSafeSegmentFilter(filter);
    return true;
  } catch {
    return false;
  }
};

describe('segment parser under arbitrary input', () => {
  const segmentish = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 120 }),
    fc
      .array(
        fc.constantFrom(
          'tag:vip',
          '-tag:vip',
          'NOT',
          'OR',
          'AND',
          '(',
          ')',
          'attr:size=L',
          'source:store_hz',
          'region:浙江',
          'active<7d',
          'idle>30d',
          'all',
          '$where',
          '{"$ne":1}',
          'tag:$gt',
          '或',
          '非',
          '标签:会员',
        ),
        { maxLength: 30 },
      )
      .map((parts) => parts.join(' ')),
  );

  it('returns a tree or a SegmentSyntaxError with a position, and compiles only to a safe filter', () => {
    fc.assert(
      fc.property(segmentish, (text) => {
        let tree: ReturnType<typeof parseSegment> | undefined;
        let failure: unknown;
        try {
          tree = parseSegment(text);
        } catch (error) {
          failure = error;
        }
        expect(failure === undefined || (failure instanceof SegmentSyntaxError && failure.position >= 0)).toBe(true);
        expect(tree === undefined || isSafe(compileSegment(tree, new Date('2026-11-23T00:00:00Z')))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses deeply nested parentheses with a syntax error, not a stack overflow', () => {
    for (const text of ['('.repeat(400) + 'all' + ')'.repeat(400), 'NOT '.repeat(120) + 'all', '-'.repeat(499) + 'x']) {
      expect(() => parseSegment(text)).toThrow(SegmentSyntaxError);
    }
  });
});

/**
 * Merchant regexes run on fan text (issue 12 item 8): a catastrophic pattern is refused when
 * rules.yaml loads, naming the rule, and a rule sees only the first RULE_TEXT_LIMIT characters.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRules, RULE_TEXT_LIMIT } from '../../src/tagging/evaluate-rules.js';
import { loadRules, parseCheckedRules, parseRules } from '../../src/tagging/load-rules.js';
import { RuleRegistry } from '../../src/tagging/rule-registry.js';
import type { InboundMessage } from '../../src/wechat/inbound.js';

const ruleWithRegex = (id: string, regex: string) =>
  `rules:\n  - { id: ${id}, when: { regex: ${JSON.stringify(regex)} }, do: [{ addTag: x }] }\n`;
const text = (content: string) =>
  ({ kind: 'text', content, toUserName: 'gh_x', fromUserName: 'oFan', createTime: 1, msgType: 'text', raw: {} }) as InboundMessage;
const fan = { tags: [], attributes: {}, subscribed: true, lastSeenAt: new Date() };

describe('catastrophic regexes are refused at load', () => {
  it.each([
    ['nested repetition', 'nested', '^(a+)+$', 'exponential'],
    ['overlapping alternatives under a star', 'overlap', '(好|好)*吗', 'exponential'],
    ['words and spaces repeated', 'words', '(\\w+\\s?)+$', 'exponential'],
    ['two wildcards', 'wild', '买.*送.*吗', 'n^3'],
  ])('refuses %s with the rule name in the error', async (_what, id, regex, growth) => {
    await expect(parseCheckedRules(ruleWithRegex(id, regex))).rejects.toThrow(
      new RegExp(
        `^rules\\.yaml: rule "${id}" \\(rules\\[0\\]\\): when\\.regex can backtrack catastrophically \\(${growth.replace('^', '\\^')}`,
      ),
    );
  });

  it.each([
    ['an alternation of words', '(孕妇|怀孕|孕期|哺乳)'],
    ['an anchored date', '^\\d{4}-\\d{2}-\\d{2}$'],
    ['one wildcard between words', '退.*款'],
  ])('accepts %s', async (_what, regex) => {
    const set = await parseCheckedRules(ruleWithRegex('fine', regex));
    expect(set.rules[0]?.when.regex).toBe(regex);
  });

  it('accepts the shipped rules.yaml', async () => {
    const set = await loadRules('templates');
    expect(set.rules.some((rule) => rule.when.regex !== undefined)).toBe(true);
  });

  it('keeps the previous rules when /reload meets a catastrophic regex', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fanhook-rules-'));
    writeFileSync(path.join(dir, 'rules.yaml'), ruleWithRegex('good', '孕(妇|期)'));
    const registry = await RuleRegistry.load(dir);
    writeFileSync(path.join(dir, 'rules.yaml'), ruleWithRegex('bad', '(x+x+)+y'));
    await expect(registry.reload()).rejects.toThrow('rule "bad" (rules[0]): when.regex can backtrack catastrophically');
    expect(registry.current.rules.map((rule) => rule.id)).toEqual(['good']);
  });
});

describe('a rule sees the start of the text only', () => {
  it(`matches a word inside the first ${RULE_TEXT_LIMIT} characters and not beyond`, () => {
    const rules = parseRules(ruleWithRegex('refund', '退款')).rules;
    const early = evaluateRules(rules, { fan, message: text(`${'啊'.repeat(RULE_TEXT_LIMIT - 2)}退款`), now: new Date() });
    const late = evaluateRules(rules, { fan, message: text(`${'啊'.repeat(RULE_TEXT_LIMIT)}退款`), now: new Date() });
    expect(early.matched).toEqual(['refund']);
    expect(late.matched).toEqual([]);
  });
});

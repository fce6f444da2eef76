import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/tagging/load-rules.js';

describe('parseRules', () => {
  it('accepts the shipped example rules', () => {
    const set = parseRules(readFileSync('templates/rules.yaml', 'utf8'));
    expect(set.rules.length).toBeGreaterThan(5);
    expect(set.tags.filter((t) => t.sync).map((t) => t.name)).toContain('杭州门店');
  });

  it.each([
    [
      'a misspelled condition',
      '  - { id: vip, when: { keywrd: 会员 }, do: [{ addTag: VIP }] }',
      'rules.yaml: rule "vip" (rules[0]): when unknown field(s) keywrd',
    ],
    [
      'an out-of-range window',
      '  - { id: hot, when: { count: { of: text, atLeast: 3, withinDays: 90 } }, do: [{ addTag: x }] }',
      'rules.yaml: rule "hot" (rules[0]): when.count.withinDays',
    ],
    [
      'a broken regex',
      '  - { id: re, when: { regex: "(孕" }, do: [{ addTag: x }] }',
      'rule "re" (rules[0]): when.regex is not a valid regular expression',
    ],
    [
      'an unknown action',
      '  - { id: act, when: { subscribed: true }, do: [{ tag: x }] }',
      'rule "act" (rules[0]): do.0 must be one of addTag, removeTag or setAttribute',
    ],
    ['no conditions', '  - { id: empty, when: {}, do: [{ addTag: x }] }', 'rule "empty" (rules[0]): when needs at least one condition'],
    [
      'a bad id',
      '  - { id: "VIP rule", when: { subscribed: true }, do: [{ addTag: x }] }',
      'rule "VIP rule" (rules[0]): id must be lower-case',
    ],
    ['an unknown activity tier', '  - { id: t, when: { activity: sleepy }, do: [{ addTag: x }] }', 'rule "t" (rules[0]): when.activity'],
  ])('rejects %s naming the rule and the field', (_name, line, message) => {
    expect(() => parseRules(`rules:\n${line}\n`)).toThrow(message);
  });

  it('rejects a duplicate rule id', () => {
    const text =
      'rules:\n  - { id: a, when: { subscribed: true }, do: [{ addTag: x }] }\n  - { id: a, when: { subscribed: false }, do: [{ addTag: y }] }\n';
    expect(() => parseRules(text)).toThrow('rules.yaml: rule "a" (rules[1]): id is used by an earlier rule');
  });

  it('rejects a synced tag name WeChat would refuse', () => {
    expect(() => parseRules('tags:\n  - { name: 这是一个非常非常非常长的标签名字, sync: true }\n')).toThrow(
      'sync needs a name of at most 30 bytes',
    );
  });

  it('rejects YAML that does not parse', () => {
    expect(() => parseRules('rules: [\n')).toThrow('rules.yaml: not valid YAML');
  });
});

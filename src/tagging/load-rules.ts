/**
 * Reads and validates templates/rules.yaml. Errors name the file, the rule (by id) and the
 * field, e.g. `rules.yaml: rule "vip-buyer" (rules[2]): when.count.withinDays must be ≤ 60`.
 * `parseRules` checks the file's shape; loading also refuses catastrophic regexes (regex-safety.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import { parseYamlFile } from '../lib/yaml-file.js';
import { refuseCatastrophicRegexes } from './regex-safety.js';
import { ruleFileSchema, type RuleSet } from './rules.js';

const WECHAT_TAG_NAME_MAX_BYTES = 30;
const MAX_SYNCED_TAGS = 100;

/** Parses YAML text into a rule set; throws ValidationError naming the problem. */
export function parseRules(text: string, file = 'rules.yaml'): RuleSet {
  const data = parseYamlFile(text, file);
  const parsed = ruleFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    throw new ValidationError(`${file}: ${describeRuleIssue(data, parsed.error)}`);
  }
  checkConsistency(parsed.data, file);
  return parsed.data;
}

/** Parses YAML text into a rule set and refuses catastrophic regexes; rejects with ValidationError. */
export async function parseCheckedRules(text: string, file = 'rules.yaml'): Promise<RuleSet> {
  const set = parseRules(text, file);
  await refuseCatastrophicRegexes(set.rules, file);
  return set;
}

/** Reads `rules.yaml` from the templates directory. */
export async function loadRules(dir: string): Promise<RuleSet> {
  return parseCheckedRules(await readFile(path.join(dir, 'rules.yaml'), 'utf8'), 'rules.yaml');
}

function describeRuleIssue(data: unknown, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const [section, index, ...rest] = issue.path;
  const field = rest.join('.') || '(the entry)';
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
  if (section === 'rules' && typeof index === 'number') {
    const id = (data as { rules?: { id?: unknown }[] }).rules?.[index]?.id;
    const label = typeof id === 'string' ? `rule "${id}" (rules[${index}])` : `rules[${index}]`;
    return `${label}: ${field} ${message}`;
  }
  return `${issue.path.join('.') || '(root)'} ${message}`;
}

function checkConsistency(set: RuleSet, file: string): void {
  const seen = new Set<string>();
  for (const [index, rule] of set.rules.entries()) {
    if (seen.has(rule.id)) {
      throw new ValidationError(`${file}: rule "${rule.id}" (rules[${index}]): id is used by an earlier rule`);
    }
    seen.add(rule.id);
  }
  const synced = set.tags.filter((tag) => tag.sync);
  for (const tag of synced) {
    if (Buffer.byteLength(tag.name, 'utf8') > WECHAT_TAG_NAME_MAX_BYTES) {
      throw new ValidationError(`${file}: tag "${tag.name}": sync needs a name of at most 30 bytes (about 10 Chinese characters)`);
    }
  }
  if (synced.length > MAX_SYNCED_TAGS) {
    throw new ValidationError(`${file}: ${synced.length} tags have sync: true; WeChat allows at most 100 per account`);
  }
}

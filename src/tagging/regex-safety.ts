/**
 * Refuses rule regexes that can take catastrophic time on some fan text, at load time, so a
 * merchant's pattern is checked before any fan can reach it. The analysis is recheck's
 * (automata theory, with fuzzing for what the automaton cannot model). Rules see at most
 * RULE_TEXT_LIMIT characters (evaluate-rules.ts), so quadratic backtracking stays bounded;
 * exponential patterns and polynomial ones of degree 3 or more are refused.
 */
import { check, type Diagnostics } from 'recheck';
import { ValidationError } from '../errors.js';
import { RULE_REGEX_FLAGS, type TagRule } from './rules.js';

/** Highest backtracking degree allowed: n² over the capped text is still a few million steps. */
const MAX_DEGREE = 2;
/** A pattern the checker cannot settle in this time is refused rather than trusted. */
const CHECK_TIMEOUT_MS = 10_000;

// Verdicts by pattern source: a /reload re-checks only the patterns that changed.
const verdicts = new Map<string, Promise<string | undefined>>();

/** Throws ValidationError naming the first rule whose regex is catastrophic or cannot be checked. */
export async function refuseCatastrophicRegexes(rules: readonly TagRule[], file: string): Promise<void> {
  const checks = rules.map(async (rule, index) => {
    const source = rule.when.regex;
    const problem = source === undefined ? undefined : await verdictOf(source);
    return problem === undefined ? undefined : `${file}: rule "${rule.id}" (rules[${index}]): when.regex ${problem}`;
  });
  const refusal = (await Promise.all(checks)).find((message) => message !== undefined);
  if (refusal !== undefined) {
    throw new ValidationError(refusal);
  }
}

function verdictOf(source: string): Promise<string | undefined> {
  let verdict = verdicts.get(source);
  if (!verdict) {
    verdict = check(source, RULE_REGEX_FLAGS, { timeout: CHECK_TIMEOUT_MS }).then(describeProblem, (error: unknown) => {
      // A checker that failed to run says nothing about the pattern: ask again next load.
      verdicts.delete(source);
      throw error;
    });
    verdicts.set(source, verdict);
  }
  return verdict;
}

/** Why the pattern is refused, or undefined when it is safe enough. */
export function describeProblem(diagnostics: Diagnostics): string | undefined {
  switch (diagnostics.status) {
    case 'safe':
      return undefined;
    case 'unknown':
      return `could not be checked for catastrophic backtracking (${diagnostics.error.kind}); simplify it or use keyword instead`;
    case 'vulnerable': {
      const { complexity } = diagnostics;
      if (complexity.type === 'polynomial' && complexity.degree <= MAX_DEGREE) {
        return undefined;
      }
      const growth = complexity.type === 'exponential' ? 'exponential' : `n^${complexity.degree}`;
      return `can backtrack catastrophically (${growth} time on texts like "${preview(diagnostics.attack.string)}"); avoid nested or overlapping repetition such as (a+)+ or (a|a)* or several .* in a row, or use keyword instead`;
    }
  }
}

function preview(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown).slice(1, -1);
}

/**
 * Paging of openid lists, shared by user/get (every follower) and user/tag/get (a tag's
 * members), which page the same way.
 */
import type { Answer, Json } from './answers.js';

/** One page of ≤ 10,000 openids after `next`, shaped like user/get and user/tag/get. */
export function openIdPage(all: string[], next: string, withTotal: boolean): Answer {
  const start = next ? all.indexOf(next) + 1 : 0;
  const slice = start > 0 || !next ? all.slice(start, start + 10000) : [];
  const answer: Json = withTotal ? { total: all.length, count: slice.length } : { count: slice.length };
  if (slice.length > 0) {
    answer.data = { openid: slice };
  }
  answer.next_openid = slice.at(-1) ?? '';
  return { body: answer };
}

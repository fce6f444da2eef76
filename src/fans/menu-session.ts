/**
 * PURE: menu paths. Clicks less than 30 minutes apart form a session; each click adds one
 * count to "X>KEY" for every distinct earlier key X of the session, so "A then C" is counted
 * whether or not B came in between.
 */
import { safeKey, type Fan } from './fan-model.js';

export const MENU_SESSION_GAP_MS = 30 * 60 * 1000;
/** Longest session remembered (older keys drop out). */
const MAX_SESSION_KEYS = 10;

export interface MenuSessionStep {
  session: NonNullable<Fan['menuSession']>;
  /** Path keys (already `safeKey`ed) to increment in `menuPaths`. */
  paths: string[];
}

/** The session after a click on `key` at `now`, and the paths that click completes. */
export function nextMenuSession(previous: Fan['menuSession'], key: string, now: Date): MenuSessionStep {
  const fresh = !previous || now.getTime() - new Date(previous.lastAt).getTime() > MENU_SESSION_GAP_MS;
  const earlier = fresh ? [] : previous.keys;
  const paths = [...new Set(earlier)].filter((k) => k !== key).map((k) => safeKey(`${k}>${key}`));
  return { session: { keys: [...earlier, key].slice(-MAX_SESSION_KEYS), lastAt: now }, paths };
}

/**
 * PURE: finds the URLs in message text and replaces each with what `replace` gives — the
 * tracked form. A URL ends at whitespace, quotes, angle brackets or Chinese punctuation,
 * and trailing ASCII punctuation (a full stop after a link) stays outside it.
 */

const URL_IN_TEXT = /https?:\/\/[^\s<>"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+/g;
const TRAILING = /[.,;:!?)\]}]+$/;

/** The distinct http(s) URLs in `text`, in order of appearance. */
export function urlsIn(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(URL_IN_TEXT)) {
    found.add(trimUrl(match[0]));
  }
  return [...found];
}

/** `text` with every URL replaced by `replace(url)` (a URL `replace` maps to itself stays). */
export function replaceUrls(text: string, replace: (url: string) => string): string {
  return text.replace(URL_IN_TEXT, (raw) => {
    const url = trimUrl(raw);
    return replace(url) + raw.slice(url.length);
  });
}

function trimUrl(raw: string): string {
  return raw.replace(TRAILING, '');
}

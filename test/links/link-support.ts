/**
 * Helpers for tracked-link tests: a browser that follows fanhook's and the fake OAuth page's
 * redirects by hand. The test plays the reverse proxy in front of fanhook: the public URL
 * configured for links (PUBLIC_URL) is mapped to the harness's own address.
 */
import type { Harness } from '../support/harness.js';

export const PUBLIC_URL = 'http://127.0.0.1:9';
export const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Safari/537.36 MicroMessenger/8.0.50.2701 NetType/WIFI';
export const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';

export interface Visit {
  /** Each URL requested with its status and Location. */
  hops: { url: string; status: number; location: string | null }[];
  /** Where the fan ended up outside fanhook and the fake (not fetched). */
  landedOn: string | undefined;
  status: number;
  body: string;
}

/** Opens `url` with user agent `ua`, following redirects within fanhook and the fake WeChat API. */
export async function visit(app: Harness, url: string, ua: string): Promise<Visit> {
  const hops: Visit['hops'] = [];
  let next = url;
  for (let i = 0; i < 6; i += 1) {
    const actual = next.startsWith(PUBLIC_URL) ? app.url + next.slice(PUBLIC_URL.length) : next;
    const response = await fetch(actual, { redirect: 'manual', headers: { 'user-agent': ua } });
    const body = await response.text();
    const location = response.headers.get('location');
    hops.push({ url: next, status: response.status, location });
    if (!location) {
      return { hops, landedOn: undefined, status: response.status, body };
    }
    const origin = new URL(location).origin;
    if (origin !== PUBLIC_URL && origin !== new URL(app.fake.url).origin) {
      return { hops, landedOn: location, status: response.status, body };
    }
    next = location;
  }
  throw new Error(`too many redirects from ${url}`);
}

/** The tracked links (`PUBLIC_URL/l/…`) in a text. */
export function trackedLinksIn(text: string): string[] {
  return [...text.matchAll(/http:\/\/127\.0\.0\.1:9\/l\/[A-Za-z0-9_./-]+/g)].map((m) => m[0]);
}

/**
 * Opens a link the way a fan's WeChat browser would (user agent `MicroMessenger`), for the
 * simulator's `:open URL`: the fake WeChat API is told who the opener is, then each redirect
 * is followed by hand — fanhook's `/l/<code>`, the fake's authorize page, back to fanhook —
 * until one leads elsewhere: that is where the fan lands (it is not fetched).
 */

/** The user agent of WeChat's built-in browser, as far as fanhook looks at it. */
export const WECHAT_BROWSER_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50';

export interface OpenedLink {
  /** Every URL requested, with its status. */
  hops: { url: string; status: number }[];
  /** Where the last redirect pointed (the target), or undefined when the chain ended in a page. */
  landedOn: string | undefined;
  /** The HTTP status of the last hop (404 for an unknown code). */
  status: number;
}

const MAX_HOPS = 6;

/** Follows `url` as `openId` in WeChat; `fakeUrl` is the fake WeChat API (also the OAuth page). */
export async function openLinkAs(props: { url: string; openId: string; fakeUrl: string }): Promise<OpenedLink> {
  const opener = await fetch(`${props.fakeUrl}/__fake/oauth-opener`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ openid: props.openId }),
  });
  if (!opener.ok) {
    throw new Error(`the fake WeChat API refused the opener: HTTP ${opener.status}`);
  }
  const ours = new Set([new URL(props.url).origin, new URL(props.fakeUrl).origin]);
  const hops: OpenedLink['hops'] = [];
  let next = props.url;
  for (let i = 0; i < MAX_HOPS; i += 1) {
    const response = await fetch(next, { redirect: 'manual', headers: { 'user-agent': WECHAT_BROWSER_UA } });
    await response.arrayBuffer();
    hops.push({ url: next, status: response.status });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      return { hops, landedOn: undefined, status: response.status };
    }
    const target = new URL(location, next).toString();
    if (!ours.has(new URL(target).origin)) {
      return { hops, landedOn: target, status: response.status };
    }
    next = target;
  }
  throw new Error(`more than ${MAX_HOPS} redirects from ${props.url}`);
}

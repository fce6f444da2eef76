/**
 * WeChat web authorization, silent form (`snsapi_base`, WECHAT.md §16): the authorize URL a
 * link sends the fan's WeChat browser to, and the server-side exchange of the code WeChat
 * hands back for the fan's openid. The web access_token in the answer is not kept: fanhook
 * only needs the openid.
 */
import { NetworkError, WechatApiError } from '../errors.js';

export interface WebOAuthOptions {
  /** WECHAT_OAUTH_BASE (open.weixin.qq.com or the fake). */
  oauthBase: string;
  /** WECHAT_API_BASE (api.weixin.qq.com or the fake). */
  apiBase: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const OAUTH_PATH = '/sns/oauth2/access_token';

export class WebOAuth {
  constructor(private readonly options: WebOAuthOptions) {}

  /** Where to send the browser: WeChat comes back to `redirectUri?code=…&state=…`. */
  authorizeUrl(redirectUri: string, state: string): string {
    const query = new URLSearchParams({
      appid: this.options.appId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'snsapi_base',
      state,
    });
    return `${this.options.oauthBase}/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
  }

  /**
   * The openid behind a one-time `code`.
   * @throws WechatApiError for a refused code (40029 invalid, 40163 already used); NetworkError when WeChat cannot be reached.
   */
  async openIdOf(code: string): Promise<string> {
    const url = new URL(this.options.apiBase + OAUTH_PATH);
    url.search = new URLSearchParams({
      appid: this.options.appId,
      secret: this.options.appSecret,
      code,
      grant_type: 'authorization_code',
    }).toString();
    let json: Record<string, unknown>;
    try {
      const response = await (this.options.fetch ?? globalThis.fetch)(url, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3_000),
      });
      json = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      // The URL carries the AppSecret: only the cause's message is kept, never the URL.
      throw new NetworkError(`${OAUTH_PATH} failed: ${(error as Error).message}`);
    }
    const errcode = Number(json['errcode'] ?? 0);
    if (errcode !== 0) {
      throw new WechatApiError(OAUTH_PATH, errcode, String(json['errmsg'] ?? ''));
    }
    const openId = json['openid'];
    if (typeof openId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(openId)) {
      throw new NetworkError(`${OAUTH_PATH} answered without an openid`);
    }
    return openId;
  }
}

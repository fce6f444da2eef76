/**
 * WeChat's protocol as the fake knows it (shared/WECHAT.md): default credentials, token
 * lifetimes, quotas and limits, the errmsg of each errcode, the required fields of each
 * message type, and the China-time calendar that quotas count in. Data only, so the
 * route modules read one source of truth.
 */

export const DEFAULT_APP_ID = 'wxfa4e0000000fa4e0';
export const DEFAULT_APP_SECRET = 'fakeappsecret0000000000000000fake';
export const TOKEN_TTL_S = 7200;
/** Stable tokens rotate in their last 5 minutes (WECHAT.md §9.2). */
export const STABLE_ROTATE_S = 300;
/** Classic tokens: the previous one keeps working 5 minutes after a new one is issued (§9.1). */
export const CLASSIC_GRACE_MS = 5 * 60_000;
export const CLIENTMSGID_WINDOW_MS = 24 * 3600_000;
export const MASS_PER_FAN_PER_MONTH = 4;
export const MAX_TAGS = 100;
export const MAX_TAGS_PER_FAN = 20;
/** Chosen above 2^53 so a client that parses msg_id as a JS number visibly corrupts it. */
export const FIRST_MSG_ID = 3147483652000000001n;
export const SYSTEM_TAG_ID = 2;
/** Template message ids are 64-bit too (WECHAT.md §8.1); also above 2^53. */
export const FIRST_TEMPLATE_MSG_ID = 2993614852000000001n;

export const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  0: 'ok',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40004: 'invalid media type',
  40005: 'invalid file type',
  40006: 'invalid meida size',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid appid',
  40029: 'invalid code',
  40163: 'code been used',
  40032: 'invalid openid list size',
  40050: 'invalid group id',
  40066: 'invalid url',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  41005: 'media data missing',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  43004: 'require subscribe',
  44002: 'empty post data',
  45008: 'article size out of limit',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit',
  45015: 'response out of time limit or subscription is canceled',
  45028: 'has no masssend quota',
  45047: 'out of response count limit',
  45056: 'too many tags now',
  45058: "can't modify sys tag",
  45059: 'can not tagging one user too much',
  45065: 'clientmsgid exist',
  45067: 'clientmsgid size out of limit',
  45072: 'command invalid',
  45083: 'speed out of range',
  45084: 'no speed',
  45157: 'invalid tag name',
  45158: 'tag name too long',
  45159: 'invalid tag id',
  46003: 'menu no exist',
  47001: 'data format error',
  47003: 'argument invalid!',
  40016: 'invalid button size',
  40017: 'invalid button type',
  40018: 'invalid button name size',
  40019: 'invalid button key size',
  40020: 'invalid button url size',
  40023: 'invalid sub button size',
  40024: 'invalid sub button type',
  40025: 'invalid sub button name size',
  40026: 'invalid sub button key size',
  40027: 'invalid sub button url size',
  40037: 'invalid template_id',
  40053: 'invalid action info, please check document',
  43101: 'user refuse to accept the msg',
  65301: 'no such menu',
  65303: 'there is no selfmenu, please create selfmenu first',
  65304: 'match rule empty',
  65305: 'menu count limit',
  65306: 'not support conditional menu',
  48001: 'api unauthorized',
};

/** Required fields of each custom-message object (WECHAT.md §5.1). */
export const CUSTOM_FIELDS: Record<string, string[]> = {
  text: ['content'],
  image: ['media_id'],
  voice: ['media_id'],
  video: ['media_id'],
  music: ['musicurl', 'hqmusicurl', 'thumb_media_id'],
  news: ['articles'],
  mpnews: ['media_id'],
  mpnewsarticle: ['article_id'],
  msgmenu: ['list'],
  wxcard: ['card_id'],
  miniprogrampage: ['appid', 'pagepath', 'thumb_media_id'],
};

/** Mass-send object per msgtype (WECHAT.md §6.4); `image` uses the `images` object today. */
export const MASS_OBJECTS: Record<string, { key: string; fields: string[] }> = {
  text: { key: 'text', fields: ['content'] },
  mpnews: { key: 'mpnews', fields: ['media_id'] },
  voice: { key: 'voice', fields: ['media_id'] },
  image: { key: 'images', fields: ['media_ids'] },
  mpvideo: { key: 'mpvideo', fields: ['media_id'] },
  wxcard: { key: 'wxcard', fields: ['card_id'] },
};

/** Daily limits reported by openapi/quota/get (WECHAT.md §12; others default high). */
export const DAILY_LIMITS: Record<string, number> = {
  '/cgi-bin/token': 2000,
  '/cgi-bin/stable_token': 500000,
  '/cgi-bin/message/mass/send': 100,
  '/cgi-bin/message/mass/sendall': 100,
  '/cgi-bin/message/mass/preview': 100,
  '/cgi-bin/user/get': 500,
  '/cgi-bin/message/template/send': 100000,
  '/cgi-bin/qrcode/create': 100000,
  '/cgi-bin/menu/create': 1000,
};

/** Calendar month in China time: the per-fan mass quota resets on the 1st, Asia/Shanghai. */
export function monthKey(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
}

/** Calendar day in China time, the day daily API quotas count in. */
export function dayKey(date: Date): string {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

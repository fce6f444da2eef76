/**
 * The remaining endpoints: temporary media upload, and the daily quota of an API path,
 * counted from the calls the fake recorded today (China time).
 */
import { randomBytes } from 'node:crypto';
import { error, isObject, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { DAILY_LIMITS, dayKey } from './protocol.js';

/** POST /cgi-bin/media/upload: a temporary media id for an upload of an accepted type. */
export function mediaUpload(account: FakeAccount, req: FakeRequest): Answer {
  const type = req.query.type ?? '';
  if (!['image', 'voice', 'video', 'thumb'].includes(type)) {
    return error(40004);
  }
  const mediaId = `FAKE_MEDIA_${randomBytes(16).toString('hex')}`;
  return { body: { type, media_id: mediaId, created_at: Math.floor(account.now() / 1000) } };
}

/** POST /cgi-bin/openapi/quota/get: a path's daily limit and today's recorded use. */
export function quotaGet(account: FakeAccount, req: FakeRequest): Answer {
  const cgiPath = isObject(req.body) ? req.body.cgi_path : undefined;
  if (typeof cgiPath !== 'string' || !cgiPath.startsWith('/')) {
    return error(40097);
  }
  const today = dayKey(new Date(account.now()));
  const used = account.calls.filter((call) => call.path === cgiPath && dayKey(call.at) === today).length;
  const limit = DAILY_LIMITS[cgiPath] ?? 1_000_000;
  return { body: { errcode: 0, errmsg: 'ok', quota: { daily_limit: limit, used, remain: Math.max(0, limit - used) } } };
}

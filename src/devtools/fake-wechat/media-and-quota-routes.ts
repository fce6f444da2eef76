/**
 * The remaining endpoints: temporary media upload and download, and the daily quota of an API path,
 * counted from the calls the fake recorded today (China time).
 */
import { randomBytes } from 'node:crypto';
import { error, isObject, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { DAILY_LIMITS, dayKey } from './protocol.js';

/** Size limits and accepted formats of temporary media (WeChat's media/upload page). */
const MEDIA_RULES: Record<string, { maxBytes: number; formats: string[] }> = {
  image: { maxBytes: 10 * 1024 * 1024, formats: ['png', 'jpeg', 'gif'] },
  voice: { maxBytes: 2 * 1024 * 1024, formats: ['amr', 'mp3'] },
  video: { maxBytes: 10 * 1024 * 1024, formats: ['mp4'] },
  thumb: { maxBytes: 64 * 1024, formats: ['jpeg'] },
};

/** The format of a file from its first bytes, so a mislabelled upload is refused like WeChat does. */
function sniffFormat(bytes: Buffer): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'png';
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    return 'jpeg';
  }
  if (bytes.subarray(0, 3).toString('latin1') === 'GIF') {
    return 'gif';
  }
  if (bytes.subarray(0, 6).toString('latin1') === '#!AMR\n') {
    return 'amr';
  }
  if (bytes.subarray(0, 3).toString('latin1') === 'ID3' || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) {
    return 'mp3';
  }
  if (bytes.subarray(4, 8).toString('latin1') === 'ftyp') {
    return 'mp4';
  }
  return 'unknown';
}

/**
 * POST /cgi-bin/media/upload?type=…: keeps the uploaded file (so the chat it is sent to can
 * show it) and answers its temporary media id.
 */
export function mediaUpload(account: FakeAccount, req: FakeRequest): Answer {
  const type = req.query.type ?? '';
  const rules = MEDIA_RULES[type];
  if (!rules) {
    return error(40004);
  }
  const file = req.file;
  if (!file || file.field !== 'media' || file.bytes.length === 0) {
    return error(41005);
  }
  if (!rules.formats.includes(sniffFormat(file.bytes))) {
    return error(40005);
  }
  if (file.bytes.length > rules.maxBytes) {
    return error(40006);
  }
  const mediaId = `FAKE_MEDIA_${randomBytes(16).toString('hex')}`;
  const createdAt = new Date(account.now());
  account.media.set(mediaId, { mediaId, type, filename: file.filename, contentType: file.contentType, bytes: file.bytes, createdAt });
  return { body: { type, media_id: mediaId, created_at: Math.floor(createdAt.getTime() / 1000) } };
}

/** GET /cgi-bin/media/get?media_id=…: the bytes of an uploaded temporary media file. */
export function mediaGet(account: FakeAccount, req: FakeRequest): Answer {
  const media = account.media.get(req.query.media_id ?? '');
  if (!media) {
    return error(40007);
  }
  return { body: media.bytes, contentType: media.contentType || 'application/octet-stream' };
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

/**
 * The shape of a request as a route handler sees it and of the answer it gives, with the
 * checks every handler shares (errcode answers, openid and message-object validation).
 */
import { ERRMSG } from './protocol.js';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** What a route handler answers: a JSON body by default, or text or bytes with their own content type. */
export interface Answer {
  status?: number;
  body: Json | string | Buffer;
  contentType?: string;
  /** A redirect's target (the authorize page sends the browser back with a code). */
  location?: string;
}

/** The file part of a multipart upload (the `media` field of media/upload). */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** A request after the server parsed its URL and body. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The JSON body; for a multipart upload a summary of its file (name, type, size). */
  body: unknown;
  /** The uploaded file of a multipart request. */
  file?: UploadedFile;
}

/** An errcode answer, with WeChat's errmsg for that code unless one is given. */
export function error(errcode: number, errmsg = ERRMSG[errcode] ?? 'error'): Answer {
  return { body: { errcode, errmsg } };
}

/** The plain success answer. */
export const OK: Answer = { body: { errcode: 0, errmsg: 'ok' } };

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a string shaped like an openid. */
export function isOpenId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
}

/** Checks a message object against required fields; 47001 when the shape is wrong. */
export function checkObject(body: Json, key: string, fields: string[]): Answer | null {
  const object = body[key];
  if (!isObject(object)) {
    return error(47001);
  }
  for (const field of fields) {
    const value = object[field];
    if (value === undefined || value === null || value === '') {
      return error(47001);
    }
  }
  return null;
}

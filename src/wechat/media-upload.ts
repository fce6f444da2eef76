/**
 * Temporary media (临时素材, WECHAT.md §0): uploads bytes as `multipart/form-data` to
 * `media/upload?type=…` and returns the `media_id` a customer-service or passive reply can
 * send. WeChat keeps temporary media for 3 days, so ids are used at once, never stored.
 */
import { NetworkError } from '../errors.js';
import type { WechatApiClient } from './api-client.js';

export type TemporaryMediaType = 'image' | 'voice' | 'video' | 'thumb';

export interface TemporaryMediaUpload {
  type: TemporaryMediaType;
  bytes: Buffer;
  /** The file name WeChat sees; its extension tells WeChat the format (`chart.png`). */
  filename: string;
  /** e.g. `image/png`. */
  contentType: string;
}

export interface UploadedMedia {
  mediaId: string;
  createdAt: Date;
}

/**
 * Uploads one temporary media file.
 * @throws WechatApiError when WeChat refuses it (40004 bad type, 40005 bad format, 40006 too large…).
 * @example
 *   const { mediaId } = await uploadTemporaryMedia(api, { type: 'image', bytes: png, filename: 'chart.png', contentType: 'image/png' });
 */
export async function uploadTemporaryMedia(api: WechatApiClient, upload: TemporaryMediaUpload): Promise<UploadedMedia> {
  // The same upload twice only leaves an unused media id behind, so it is safe to retry.
  const json = await api.postForm('/cgi-bin/media/upload', () => mediaForm(upload), {
    idempotent: true,
    query: { type: upload.type },
  });
  const mediaId = json['media_id'];
  if (typeof mediaId !== 'string' || mediaId === '') {
    throw new NetworkError('media/upload answered without media_id');
  }
  const createdAt = Number(json['created_at']);
  return { mediaId, createdAt: Number.isFinite(createdAt) ? new Date(createdAt * 1000) : new Date() };
}

/** WeChat reads the file from the form field `media` (with filename and content type). */
function mediaForm(upload: TemporaryMediaUpload): FormData {
  const form = new FormData();
  form.append('media', new Blob([upload.bytes], { type: upload.contentType }), upload.filename);
  return form;
}

/**
 * Command: sends an image the process holds in memory (a chart, a QR code) to one fan or
 * role holder as a customer-service image message: upload as temporary media, then send
 * the media id. Counts against the recipient's allowance like any customer-service message.
 */
import type { WechatApiClient } from '../wechat/api-client.js';
import { uploadTemporaryMedia } from '../wechat/media-upload.js';
import type { CustomerServiceSender } from './send-customer-message.js';

export interface ImageToSend {
  bytes: Buffer;
  /** e.g. `chart.png`, `qr-store_hz.png`. */
  filename: string;
  /** Defaults to `image/png`. */
  contentType?: string;
}

/**
 * Uploads `image` and sends it to `openId`; resolves to the media id used.
 * @throws WechatApiError when the upload or the send is refused; OutOfWindowError when the
 *   recipient has no customer-service allowance left (the upload then stays unused: the
 *   allowance is reserved by the send itself, so checking it first could still race).
 */
export async function sendImageMessage(
  deps: { api: WechatApiClient; customerService: CustomerServiceSender },
  openId: string,
  image: ImageToSend,
): Promise<string> {
  const { mediaId } = await uploadTemporaryMedia(deps.api, {
    type: 'image',
    bytes: image.bytes,
    filename: image.filename,
    contentType: image.contentType ?? 'image/png',
  });
  await deps.customerService.send(openId, { type: 'image', mediaId });
  return mediaId;
}

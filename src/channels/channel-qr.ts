/**
 * Command: the QR code of a channel — created once as a permanent string-scene code
 * (`qrcode/create`, QR_LIMIT_STR_SCENE, WECHAT.md §7.4), its PNG downloaded from
 * `showqrcode` on the MP domain, uploaded as temporary media and sent to the admin as an
 * image. A scene that already has a code gets the same code again (permanent codes are
 * limited to 100,000 per account).
 */
import type { Connection } from 'mongoose';
import { sendImageMessage } from '../customer-service/send-image.js';
import type { CustomerServiceSender } from '../customer-service/send-customer-message.js';
import { NetworkError, WechatApiError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import { getChannelModel, type Channel } from './channel-model.js';
import { isDuplicateKeyError } from '../db/model.js';

/** WeChat's limit for `scene_str`. */
export const MAX_SCENE_CHARS = 64;
/** Safe in a QR scene, a segment term (`source:<scene>`) and a file name. */
const SCENE = /^[A-Za-z0-9_-]+$/;
const MAX_NAME_CHARS = 30;

export interface ChannelQrDeps {
  connection: Connection;
  api: WechatApiClient;
  customerService: CustomerServiceSender;
  clock: Clock;
  /** Base URL of showqrcode (WECHAT_MP_BASE). */
  mpBase: string;
  fetch?: typeof fetch;
}

/** Why a scene or name cannot be used, in Chinese; null when they are fine. */
export function checkChannelInput(scene: string, name: string): string | null {
  if ([...scene].length > MAX_SCENE_CHARS) {
    return `场景值太长：${[...scene].length} 个字符，微信最多 ${MAX_SCENE_CHARS} 个`;
  }
  if (!SCENE.test(scene)) {
    return '场景值只能包含英文字母、数字、下划线和连字符（例如 store_hz、poster-2026）';
  }
  if ([...name].length > MAX_NAME_CHARS) {
    return `渠道名称太长（最多 ${MAX_NAME_CHARS} 个字）`;
  }
  return null;
}

export type ChannelQrResult = { ok: true; channel: Channel; created: boolean } | { ok: false; problem: string };

/** Creates (or finds) the channel's code and sends its image to `adminOpenId`. */
export async function sendChannelQr(
  deps: ChannelQrDeps,
  props: { scene: string; name: string; adminOpenId: string },
): Promise<ChannelQrResult> {
  const channels = getChannelModel(deps.connection);
  let channel = await channels.findOne({ scene: props.scene }).lean<Channel>();
  let created = false;
  if (!channel) {
    let answer: { ticket: string; url: string };
    try {
      answer = await deps.api.post('/cgi-bin/qrcode/create', {
        action_name: 'QR_LIMIT_STR_SCENE',
        action_info: { scene: { scene_str: props.scene } },
      });
    } catch (error) {
      return { ok: false, problem: explainQrRefusal(error) };
    }
    const doc: Channel = {
      scene: props.scene,
      name: props.name || props.scene,
      ticket: answer.ticket,
      url: answer.url,
      createdBy: props.adminOpenId,
      createdAt: deps.clock.now(),
    };
    try {
      await channels.create(doc);
      channel = doc;
      created = true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        throw error;
      }
      // Another admin made it at the same moment: theirs is the channel (same scene, same code).
      channel = (await channels.findOne({ scene: props.scene }).lean<Channel>())!;
    }
  } else if (props.name && props.name !== channel.name) {
    await channels.updateOne({ scene: props.scene }, { $set: { name: props.name } });
    channel = { ...channel, name: props.name };
  }
  try {
    const png = await downloadQrImage(deps, channel.ticket);
    await sendImageMessage(deps, props.adminOpenId, { bytes: png, filename: `qr-${channel.scene}.png` });
  } catch (error) {
    const reason = error instanceof WechatApiError ? `微信拒绝（${error.errcode}）：${error.errmsg}` : (error as Error).message;
    return {
      ok: false,
      problem: `二维码已${created ? '生成' : '存在'}，但图片没能发给您（${reason}）；再发一次 /qr ${channel.scene} 即可重新获取`,
    };
  }
  return { ok: true, channel, created };
}

/** The code's PNG from showqrcode (no access_token: the ticket is the key). */
async function downloadQrImage(deps: ChannelQrDeps, ticket: string): Promise<Buffer> {
  const fetcher = deps.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetcher(`${deps.mpBase}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`, {
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new NetworkError(`showqrcode unreachable: ${(error as Error).message}`, error);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok || !(response.headers.get('content-type') ?? '').startsWith('image/')) {
    throw new NetworkError(`showqrcode answered HTTP ${response.status} without an image`);
  }
  return bytes;
}

function explainQrRefusal(error: unknown): string {
  if (error instanceof WechatApiError) {
    if (error.errcode === 45009) {
      return '微信拒绝（45009）：今日生成二维码的次数已达上限（永久二维码总数最多 10 万个），请明天再试；渠道未创建';
    }
    return `微信拒绝（${error.errcode}）：${error.errmsg}；渠道未创建`;
  }
  return '无法连接微信生成二维码，请稍后再试；渠道未创建';
}

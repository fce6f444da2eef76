/**
 * Parametric QR codes (shared/WECHAT.md §7.4 and §0): `qrcode/create` answers a ticket and the
 * URL the code encodes; `showqrcode` (on the MP domain, no access_token) answers the code as a
 * real PNG, so a client can upload and send it like the image WeChat would give.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { error, isObject, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import type { FakeQrCode } from './types.js';

const ACTIONS = new Set(['QR_SCENE', 'QR_STR_SCENE', 'QR_LIMIT_SCENE', 'QR_LIMIT_STR_SCENE']);
/** Permanent codes an account may create in all (WECHAT.md §7.4). */
const MAX_PERMANENT = 100_000;

/** POST /cgi-bin/qrcode/create: a temporary or permanent code for a scene id or string. */
export function qrcodeCreate(account: FakeAccount, req: FakeRequest): Answer {
  const body = isObject(req.body) ? req.body : undefined;
  const actionName = body?.action_name;
  if (typeof actionName !== 'string' || !ACTIONS.has(actionName)) {
    return error(40053);
  }
  const info = isObject(body?.action_info) ? body.action_info : undefined;
  const scene = isObject(info?.scene) ? info.scene : undefined;
  const isString = actionName.endsWith('STR_SCENE');
  const sceneStr = scene?.scene_str;
  const sceneId = scene?.scene_id;
  if (isString ? typeof sceneStr !== 'string' || sceneStr.length < 1 || sceneStr.length > 64 : typeof sceneId !== 'number' || sceneId < 1) {
    return error(40053);
  }
  const permanent = actionName.startsWith('QR_LIMIT');
  if (permanent && [...account.qrCodes.values()].filter((code) => code.expireSeconds === undefined).length >= MAX_PERMANENT) {
    return error(45009);
  }
  const ticket = `gQ${randomBytes(24).toString('base64url')}`;
  const code: FakeQrCode = {
    ticket,
    url: `http://weixin.qq.com/q/${randomBytes(12).toString('base64url')}`,
    actionName,
    ...(isString ? { sceneStr: sceneStr as string } : { sceneId: sceneId as number }),
    ...(permanent ? {} : { expireSeconds: Number(body?.expire_seconds ?? 60) }),
  };
  account.qrCodes.set(ticket, code);
  return { body: { ticket, url: code.url, ...(code.expireSeconds === undefined ? {} : { expire_seconds: code.expireSeconds }) } };
}

/** GET /cgi-bin/showqrcode?ticket=…: the code's PNG; an unknown ticket gets HTTP 404 like the real page. */
export async function showQrcode(account: FakeAccount, req: FakeRequest): Promise<Answer> {
  const code = account.qrCodes.get(req.query.ticket ?? '');
  if (!code) {
    return { status: 404, body: 'ticket not found', contentType: 'text/plain' };
  }
  const png = await QRCode.toBuffer(code.url, { type: 'png', margin: 2, width: 430 });
  return { body: png, contentType: 'image/png' };
}

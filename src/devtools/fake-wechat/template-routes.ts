/**
 * Template messages, i.e. service notices (shared/WECHAT.md §8.1): `message/template/send`
 * checks the template id, the follower and each keyword value, delivers the notice to the
 * fan's chat and answers its msgid. With a callback configured the fake then pushes the
 * TEMPLATESENDJOBFINISH WeChat would (`failed:user block` for a fan who turned notices off).
 */
import { error, isObject, isOpenId, type Answer, type FakeRequest } from './answers.js';
import { escapeCdata, originalIdOf, postToCallback } from './callback-push.js';
import type { FakeAccount } from './fake-account.js';
import { RawInteger } from './json-text.js';
import { DAILY_LIMITS, dayKey, ERRMSG } from './protocol.js';
import type { FakeTemplateSend, FakeWechatApiOptions } from './types.js';

const TEMPLATE_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** Since May 2023 a keyword value is capped at 20 characters (category templates refuse longer ones). */
const MAX_VALUE_CHARS = 20;
/** WeChat reports the result a moment after accepting the send; fanhook must not rely on the order. */
const FINISH_DELAY_MS = 150;

/** POST /cgi-bin/message/template/send: one service notice to one follower. */
export function templateSend(account: FakeAccount, options: FakeWechatApiOptions, req: FakeRequest): Answer {
  const body = req.body;
  if (!isObject(body)) {
    return error(44002);
  }
  if (!isOpenId(body.touser)) {
    return error(40003);
  }
  const templateId = body.template_id;
  if (typeof templateId !== 'string' || !TEMPLATE_ID.test(templateId) || (account.templateIds && !account.templateIds.has(templateId))) {
    return error(40037);
  }
  const data = checkData(body.data);
  if ('answer' in data) {
    return data.answer;
  }
  const fan = account.fan(body.touser);
  if (!fan.subscribe) {
    return error(43004);
  }
  const today = dayKey(new Date(account.now()));
  const sentToday = [...account.templateSends.values()].filter((send) => dayKey(send.at) === today).length;
  if (sentToday >= (DAILY_LIMITS['/cgi-bin/message/template/send'] ?? Infinity)) {
    return error(45009);
  }
  const msgId = (account.nextTemplateMsgId++).toString();
  const send: FakeTemplateSend = {
    msgId,
    touser: body.touser,
    templateId,
    data: data.values,
    status: fan.blocksNotices ? 'failed:user block' : 'success',
    at: new Date(account.now()),
  };
  account.templateSends.set(msgId, send);
  if (!fan.blocksNotices) {
    account.deliver(body.touser, 'notice', { template_id: templateId, data: data.values, ...(body.url ? { url: body.url } : {}) });
  }
  if (account.callback ?? options.callback) {
    setTimeout(() => {
      pushTemplateSendJobFinish(account, options, msgId).catch(() => {
        // The bot may be gone already (a test ended); WeChat does not retry these either.
      });
    }, FINISH_DELAY_MS).unref();
  }
  return { body: { errcode: 0, errmsg: 'ok', msgid: new RawInteger(msgId) } };
}

/** The keyword values, or 47003 naming the first one that is missing or too long. */
function checkData(data: unknown): { values: Record<string, { value: string }> } | { answer: Answer } {
  if (!isObject(data)) {
    return { answer: error(47001) };
  }
  const values: Record<string, { value: string }> = {};
  for (const [key, entry] of Object.entries(data)) {
    const value = isObject(entry) ? entry.value : undefined;
    if (typeof value !== 'string' || [...value].length > MAX_VALUE_CHARS || value.includes('\n')) {
      return { answer: error(47003, `${ERRMSG[47003]} data.${key}.value invalid`) };
    }
    // `first` and `remark` are no longer shown since May 2023: WeChat drops them silently.
    if (key !== 'first' && key !== 'remark') {
      values[key] = { value };
    }
  }
  return { values };
}

/** Posts TEMPLATESENDJOBFINISH for `msgId` (from the fan it went to) to the callback. */
export async function pushTemplateSendJobFinish(
  account: FakeAccount,
  options: FakeWechatApiOptions,
  msgId: string,
  status?: string,
): Promise<void> {
  const send = account.templateSends.get(msgId);
  if (!send) {
    throw new Error(`no template message ${msgId}`);
  }
  const xml = [
    '<xml>',
    `<ToUserName><![CDATA[${escapeCdata(originalIdOf(options))}]]></ToUserName>`,
    `<FromUserName><![CDATA[${escapeCdata(send.touser)}]]></FromUserName>`,
    `<CreateTime>${Math.floor(account.now() / 1000)}</CreateTime>`,
    '<MsgType><![CDATA[event]]></MsgType>',
    '<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>',
    `<MsgID>${msgId}</MsgID>`,
    `<Status><![CDATA[${escapeCdata(status ?? send.status)}]]></Status>`,
    '</xml>',
  ].join('');
  await postToCallback(account, options, xml, send.touser, 'TEMPLATESENDJOBFINISH');
}

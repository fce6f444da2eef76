/**
 * Customer-service messages (shared/WECHAT.md §5): sending one message to a follower and
 * the typing indicator. A sent message lands in the fan's inbox as a `custom` delivery.
 */
import { OK, checkObject, error, isObject, isOpenId, type Answer, type FakeRequest, type Json } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { CUSTOM_FIELDS } from './protocol.js';

/** POST /cgi-bin/message/custom/send: delivers one customer-service message to a follower. */
export function customSend(account: FakeAccount, req: FakeRequest): Answer {
  const addressed = toFollower(req);
  if (!addressed.ok) {
    return addressed.answer;
  }
  const body = addressed.body;
  const msgtype = body.msgtype;
  if (typeof msgtype !== 'string' || !(msgtype in CUSTOM_FIELDS)) {
    return error(40008);
  }
  const bad = checkObject(body, msgtype, CUSTOM_FIELDS[msgtype] ?? []);
  if (bad) {
    return bad;
  }
  if (msgtype === 'news') {
    const articles = (body.news as Json).articles;
    if (!Array.isArray(articles) || articles.length === 0) {
      return error(47001);
    }
    if (articles.length > 1) {
      return error(45008);
    }
  }
  if (!account.fan(body.touser).subscribe) {
    return error(45015);
  }
  account.deliver(body.touser, 'custom', body);
  return OK;
}

/** POST /cgi-bin/message/custom/typing: the "typing…" indicator; checked, not shown anywhere. */
export function typing(account: FakeAccount, req: FakeRequest): Answer {
  const addressed = toFollower(req);
  if (!addressed.ok) {
    return addressed.answer;
  }
  const body = addressed.body;
  if (body.command !== 'Typing' && body.command !== 'CancelTyping') {
    return error(45072);
  }
  if (!account.fan(body.touser).subscribe) {
    return error(45015);
  }
  return OK;
}

/** The body of a request addressed to one follower (`touser`), or the error WeChat answers for it. */
function toFollower(req: FakeRequest): { ok: true; body: Json & { touser: string } } | { ok: false; answer: Answer } {
  const body = req.body;
  if (!isObject(body)) {
    return { ok: false, answer: error(44002) };
  }
  if (!isOpenId(body.touser)) {
    return { ok: false, answer: error(40003) };
  }
  return { ok: true, body: { ...body, touser: body.touser } };
}

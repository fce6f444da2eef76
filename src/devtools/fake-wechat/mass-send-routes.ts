/**
 * Sending mass messages (shared/WECHAT.md §6): send to an openid list, sendall to a tag or
 * everyone, and preview. Creating a job applies the clientmsgid dedup window and the
 * per-fan monthly quota, and delivers to each fan's inbox as a `mass` delivery.
 */
import { createHash } from 'node:crypto';
import { checkObject, error, isObject, isOpenId, type Answer, type FakeRequest, type Json } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { RawInteger } from './json-text.js';
import { CLIENTMSGID_WINDOW_MS, ERRMSG, MASS_OBJECTS, MASS_PER_FAN_PER_MONTH, monthKey } from './protocol.js';
import type { FakeMassJob } from './types.js';

function checkMassContent(body: Json): Answer | null {
  const msgtype = body.msgtype;
  if (typeof msgtype !== 'string' || !(msgtype in MASS_OBJECTS)) {
    return error(40008);
  }
  const spec = MASS_OBJECTS[msgtype];
  if (!spec) {
    return error(40008);
  }
  // Older docs send a single image as `image.media_id`; accept both forms.
  if (msgtype === 'image' && isObject(body.image) && typeof body.image.media_id === 'string') {
    return null;
  }
  return checkObject(body, spec.key, spec.fields);
}

function massContent(body: Json): Json {
  const { touser: _touser, filter: _filter, clientmsgid: _clientmsgid, ...content } = body;
  return content;
}

function createJob(account: FakeAccount, endpoint: FakeMassJob['endpoint'], body: Json, audience: string[]): Answer {
  const now = account.now();
  const content = massContent(body);
  // Without a clientmsgid WeChat uses a digest of audience + content, so identical sends collide (§6.5).
  const clientMsgId =
    typeof body.clientmsgid === 'string' && body.clientmsgid !== ''
      ? body.clientmsgid
      : createHash('sha1')
          .update(JSON.stringify([endpoint, audience, body.filter ?? null, content]))
          .digest('hex');
  if (Buffer.byteLength(clientMsgId, 'utf8') > 64) {
    return error(45067);
  }
  const seen = account.clientMsgIds.get(clientMsgId);
  if (seen && now - seen.at < CLIENTMSGID_WINDOW_MS) {
    return { body: { errcode: 45065, errmsg: ERRMSG[45065] ?? '', msg_id: new RawInteger(seen.msgId) } };
  }
  const msgId = (account.nextMsgId++).toString();
  const msgtype = String(body.msgtype);
  const msgDataId = msgtype === 'mpnews' ? account.nextMsgDataId++ : undefined;
  const month = monthKey(new Date(now));
  const deliveredTo: string[] = [];
  for (const openId of audience) {
    const key = `${month}|${openId}`;
    const count = account.massCounts.get(key) ?? 0;
    // Unfollowed fans and fans at their 4-a-month limit are silently filtered (§6.1).
    if (!account.fan(openId).subscribe || count >= MASS_PER_FAN_PER_MONTH) {
      continue;
    }
    account.massCounts.set(key, count + 1);
    account.deliver(openId, 'mass', content);
    deliveredTo.push(openId);
  }
  account.jobs.set(msgId, {
    msgId,
    msgDataId,
    endpoint,
    openIds: audience,
    deliveredTo,
    clientMsgId,
    msgtype,
    content,
    createdAt: new Date(now),
    status: 'SENDING',
  });
  account.clientMsgIds.set(clientMsgId, { msgId, at: now });
  const answer: Json = { errcode: 0, errmsg: 'send job submission success', msg_id: new RawInteger(msgId) };
  if (msgDataId !== undefined) {
    answer.msg_data_id = msgDataId;
  }
  return { body: answer };
}

/** POST /cgi-bin/message/mass/send: a mass send to a list of 2 to 10,000 openids. */
export function massSend(account: FakeAccount, req: FakeRequest): Answer {
  const body = req.body;
  if (!isObject(body)) {
    return error(44002);
  }
  const touser = body.touser;
  if (!Array.isArray(touser) || touser.length < 2 || touser.length > 10000) {
    return error(40032);
  }
  if (!touser.every(isOpenId)) {
    return error(40003);
  }
  return checkMassContent(body) ?? createJob(account, 'send', body, [...new Set(touser)]);
}

/** POST /cgi-bin/message/mass/sendall: a mass send to a tag or to every follower. */
export function massSendAll(account: FakeAccount, req: FakeRequest): Answer {
  const body = req.body;
  if (!isObject(body)) {
    return error(44002);
  }
  const filter = body.filter;
  if (!isObject(filter)) {
    return error(47001);
  }
  let audience: string[];
  if (filter.is_to_all === true) {
    audience = [...account.fans.values()].filter((fan) => fan.subscribe).map((fan) => fan.openId);
  } else {
    const tagId = Number(filter.tag_id ?? filter.group_id);
    const members = account.tagMembers.get(tagId);
    if (!members) {
      return error(40050);
    }
    audience = [...members];
  }
  return checkMassContent(body) ?? createJob(account, 'sendall', body, audience);
}

/** POST /cgi-bin/message/mass/preview: delivers a mass message to one fan as a preview. */
export function massPreview(account: FakeAccount, req: FakeRequest): Answer {
  const body = req.body;
  if (!isObject(body)) {
    return error(44002);
  }
  const bad = checkMassContent(body);
  if (bad) {
    return bad;
  }
  if (isOpenId(body.touser)) {
    if (!account.fan(body.touser).subscribe) {
      return error(43004);
    }
    account.deliver(body.touser, 'preview', massContent(body));
  } else if (typeof body.towxname !== 'string' || body.towxname === '') {
    return error(40003);
  }
  return { body: { errcode: 0, errmsg: 'preview success', msg_id: 1000000000 + account.calls.length } };
}

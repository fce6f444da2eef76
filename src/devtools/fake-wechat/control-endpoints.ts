/**
 * The `/__fake/` control endpoints: the same inspection and steering as the handle
 * `startFakeWechatApi` returns, over HTTP, for a separate process such as the simulator.
 * These calls are not recorded.
 */
import type http from 'node:http';
import { isObject, isOpenId, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { send } from './http-io.js';
import type { FakeWechatApi } from './types.js';

/** The `/__fake/` endpoints, so a separate process (the simulator) can watch and steer the fake. */
export function createControl(api: FakeWechatApi, account: FakeAccount) {
  return async (req: FakeRequest, res: http.ServerResponse): Promise<void> => {
    const body = isObject(req.body) ? req.body : {};
    const reply = (value: unknown, status = 200): void => send(res, status, JSON.stringify(value));
    switch (`${req.method} ${req.path}`) {
      case 'GET /__fake/messages': {
        const openId = req.query.openid ?? '';
        const since = Number(req.query.since ?? 0) || 0;
        const messages = api.messagesFor(openId).filter((m) => m.index >= since);
        reply({ openid: openId, next: since + messages.length, messages });
        return;
      }
      case 'GET /__fake/media': {
        // The bytes of an uploaded temporary media file, so the simulator can show an image it received.
        const media = api.media(req.query.media_id ?? '');
        if (!media) {
          reply({ error: 'no such media' }, 404);
          return;
        }
        send(res, 200, media.bytes, media.contentType || 'application/octet-stream');
        return;
      }
      case 'GET /__fake/calls': {
        const path = req.query.path;
        reply({ calls: path ? api.callsTo(path) : api.calls });
        return;
      }
      case 'GET /__fake/state':
        reply({
          tags: [...account.tags].map(([id, name]) => ({ id, name, members: [...(account.tagMembers.get(id) ?? [])] })),
          fans: [...account.fans.values()],
          massJobs: api
            .massJobs()
            .map(({ deliveredTo, openIds, ...job }) => ({ ...job, total: openIds.length, delivered: deliveredTo.length })),
        });
        return;
      case 'POST /__fake/oauth-opener': {
        const openId = body.openid;
        if (openId !== null && !isOpenId(openId)) {
          reply({ error: 'need {openid} (or null)' }, 400);
          return;
        }
        api.setOAuthOpener(openId);
        reply({ ok: true });
        return;
      }
      case 'POST /__fake/fail': {
        if (typeof body.path !== 'string' || typeof body.errcode !== 'number') {
          reply({ error: 'need {path, errcode}' }, 400);
          return;
        }
        const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
        api.failNext(body.path, body.errcode, {
          times: num(body.times),
          forMs: num(body.forMs),
          httpStatus: num(body.httpStatus),
          delayMs: num(body.delayMs),
          errmsg: typeof body.errmsg === 'string' ? body.errmsg : undefined,
        });
        reply({ ok: true });
        return;
      }
      case 'POST /__fake/mass-finish': {
        const msgId = typeof body.msgId === 'string' ? body.msgId : api.massJobs().at(-1)?.msgId;
        if (!msgId) {
          reply({ error: 'no mass job' }, 404);
          return;
        }
        await api.pushMassSendJobFinish(msgId).then(
          () => reply({ ok: true, msgId }),
          (err: unknown) => reply({ error: String(err) }, 502),
        );
        return;
      }
      case 'POST /__fake/expire-token':
        api.expireToken();
        reply({ ok: true });
        return;
      case 'POST /__fake/reset':
        api.reset();
        reply({ ok: true });
        return;
      default:
        reply({ error: `unknown control endpoint ${req.method} ${req.path}` }, 404);
    }
  };
}

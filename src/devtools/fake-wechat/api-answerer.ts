/**
 * Answering one WeChat API call: an injected failure if one is queued for the path, else
 * the route's method and token checks, then its handler; a path not in the route table
 * answers 40066. Every call is recorded, with its access_token and secret redacted.
 */
import type http from 'node:http';
import { error, isObject, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { takeFailure } from './failure-injection.js';
import { send } from './http-io.js';
import { toJsonText, toRecorded } from './json-text.js';
import { ERRMSG } from './protocol.js';
import type { Route } from './route-table.js';
import { checkToken } from './token-routes.js';
import type { RecordedCall } from './types.js';

function redactQuery(query: Record<string, string>): Record<string, string> {
  const copy = { ...query };
  if (copy.access_token !== undefined) {
    copy.access_token = '***';
  }
  if (copy.secret !== undefined) {
    copy.secret = '***';
  }
  return copy;
}

function redactBody(body: unknown): unknown {
  return isObject(body) && typeof body.secret === 'string' ? { ...body, secret: '***' } : body;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The API side of the server: answers and records calls that are not `/__fake/` control calls. */
export function createApiAnswerer(account: FakeAccount, routes: Map<string, Route>, record: (call: RecordedCall) => void) {
  const clock = account.opts.clock;

  const answerApi = async (req: FakeRequest, res: http.ServerResponse, parseError: boolean): Promise<void> => {
    const at = clock.now();
    const base = { at, method: req.method, path: req.path, query: redactQuery(req.query), body: redactBody(req.body) };
    const failure = takeFailure(account, req.path);
    if (failure?.delayMs) {
      await delay(failure.delayMs);
    }
    if (failure && failure.errcode !== 0) {
      const status = failure.httpStatus ?? 200;
      if (status >= 500) {
        const page = `<html><body><h1>${status} Bad Gateway</h1></body></html>`;
        send(res, status, page, 'text/html');
        record({ ...base, response: page, errcode: failure.errcode });
        return;
      }
      const body = { errcode: failure.errcode, errmsg: failure.errmsg ?? ERRMSG[failure.errcode] ?? 'error' };
      send(res, status, toJsonText(body));
      record({ ...base, response: body, errcode: failure.errcode });
      return;
    }
    const route = routes.get(req.path);
    let answer: Answer;
    if (!route) {
      answer = error(40066);
    } else {
      answer = checkRoute(route, req, parseError) ?? (await route.handle(req));
    }
    const body = answer.body;
    // Text and bytes (a QR image, a media download) go out as they are and carry no errcode.
    const verbatim = typeof body === 'string' || Buffer.isBuffer(body);
    if (answer.location) {
      res.setHeader('location', answer.location);
    }
    send(res, answer.status ?? 200, verbatim ? body : toJsonText(body), answer.contentType);
    const errcode = verbatim ? 0 : Number(body.errcode ?? 0);
    record({ ...base, response: toRecorded(answer.body), errcode, ...(route ? {} : { unexpected: true }) });
  };

  const checkRoute = (route: Route, req: FakeRequest, parseError: boolean): Answer | null => {
    if (route.method === 'GET' && req.method !== 'GET') {
      return error(43001);
    }
    if (route.method === 'POST' && req.method !== 'POST') {
      return error(43002);
    }
    if (route.auth) {
      const bad = checkToken(account, req.query.access_token);
      if (bad) {
        return bad;
      }
    }
    // Handlers answer 44002 themselves where a body is required (speed/get may come empty).
    return parseError ? error(47001) : null;
  };

  return answerApi;
}

/**
 * Starting the fake: builds the account and its route table, assembles the inspection and
 * control handle (`FakeWechatApi`), and serves HTTP on 127.0.0.1, parsing each request
 * and passing it to the `/__fake/` control endpoints or to the API answerer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../lib/clock.js';
import type { FakeRequest, UploadedFile } from './answers.js';
import { createApiAnswerer } from './api-answerer.js';
import { createControl } from './control-endpoints.js';
import { FakeAccount } from './fake-account.js';
import { queueFailure } from './failure-injection.js';
import { readBody, send } from './http-io.js';
import { parseJsonBody } from './json-text.js';
import { pushMassSendJobFinish } from './mass-finish-push.js';
import { pushTemplateSendJobFinish } from './template-routes.js';
import { DEFAULT_APP_ID, DEFAULT_APP_SECRET } from './protocol.js';
import { buildRouteTable } from './route-table.js';
import { expireAllTokens } from './token-routes.js';
import type { FakeWechatApi, FakeWechatApiOptions, RecordedCall } from './types.js';

/**
 * Starts the fake WeChat API on 127.0.0.1.
 * @example
 *   const fake = await startFakeWechatApi({ callback: { url: 'http://127.0.0.1:3000/wechat', token: 'T' } });
 *   process.env.WECHAT_API_BASE = fake.url; // in a test setup only
 */
export async function startFakeWechatApi(options: FakeWechatApiOptions = {}): Promise<FakeWechatApi> {
  const clock = options.clock ?? systemClock;
  const account = new FakeAccount({
    appId: options.appId ?? DEFAULT_APP_ID,
    appSecret: options.appSecret ?? DEFAULT_APP_SECRET,
    clock,
  });
  account.callback = options.callback;
  const routes = buildRouteTable(account, options);

  const record = (call: RecordedCall): void => {
    account.calls.push(call);
    options.onCall?.(call);
  };

  const answerApi = createApiAnswerer(account, routes, record);

  const api: FakeWechatApi = {
    url: '',
    appId: account.opts.appId,
    appSecret: account.opts.appSecret,
    calls: account.calls,
    get unexpected() {
      return account.calls.filter((call) => call.unexpected);
    },
    callsTo: (path) => account.calls.filter((call) => call.path === path),
    customMessagesFor: (openId) => (account.inboxes.get(openId) ?? []).filter((d) => d.via === 'custom').map((d) => d.body),
    messagesFor: (openId) => [...(account.inboxes.get(openId) ?? [])],
    media: (mediaId) => account.media.get(mediaId),
    massJobs: () => [...account.jobs.values()],
    setFan: (openId, patch = {}) => Object.assign(account.fan(openId), patch),
    setOAuthOpener: (openId) => {
      account.oauthOpener = openId;
    },
    failNext: (path, errcode, failOptions = {}) => queueFailure(account, path, errcode, failOptions),
    expireToken: () => expireAllTokens(account),
    pushMassSendJobFinish: (msgId, counts = {}) => pushMassSendJobFinish(account, options, msgId, counts),
    pushTemplateSendJobFinish: (msgId, status) => pushTemplateSendJobFinish(account, options, msgId, status),
    setCallback: (callback) => {
      account.callback = callback;
    },
    setTemplates: (templateIds) => {
      account.templateIds = templateIds ? new Set(templateIds) : null;
    },
    templateSends: () => [...account.templateSends.values()],
    menus: () => ({ menu: account.menu, conditional: [...account.conditionalMenus.values()] }),
    qrCodes: () => [...account.qrCodes.values()],
    reset: () => account.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };

  const control = createControl(api, account);

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = Object.fromEntries(url.searchParams);
      const raw = await readBody(req);
      let body: unknown;
      let file: UploadedFile | undefined;
      let parseError = false;
      const contentType = req.headers['content-type'] ?? '';
      if (contentType.startsWith('multipart/form-data')) {
        file = await firstFile(raw, contentType);
        body = file ? { [file.field]: { filename: file.filename, contentType: file.contentType, bytes: file.bytes.length } } : undefined;
      } else if (raw.length > 0) {
        try {
          body = parseJsonBody(raw.toString('utf8'));
        } catch {
          parseError = true;
          body = raw.toString('utf8');
        }
      }
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const request: FakeRequest = { method: req.method ?? 'GET', path, query, body, ...(file ? { file } : {}) };
      if (request.path.startsWith('/__fake/')) {
        await control(request, res);
      } else {
        await answerApi(request, res, parseError);
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) {
        send(res, 500, JSON.stringify({ error: String(err) }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** The first file part of a multipart body (undici parses multipart for Response#formData). */
async function firstFile(raw: Buffer, contentType: string): Promise<UploadedFile | undefined> {
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return undefined;
  }
  for (const [field, value] of form) {
    if (typeof value !== 'string') {
      return { field, filename: value.name, contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
    }
  }
  return undefined;
}

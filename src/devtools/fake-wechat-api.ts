/**
 * A fake of the WeChat API (shared/WECHAT.md §0, §5–§8, §9–§11) as a small real HTTP
 * server: integration tests, the simulator and the benchmark point WECHAT_API_BASE at it.
 * It keeps the state a real account would (tokens, tags, mass jobs, delivered messages),
 * records every call, answers unknown endpoints with 40066 so unplanned calls fail tests
 * (STYLE.md §5.8), injects errors, and pushes MASSSENDJOBFINISH and TEMPLATESENDJOBFINISH
 * back to the callback URL. It also serves `showqrcode` (the MP domain) with real PNGs.
 *
 * This file is the public entry point only; the fake lives in `./fake-wechat/`:
 * - `types.ts`: the public types re-exported below;
 * - `start-fake-wechat-api.ts`: the HTTP server and the handle it returns;
 * - `api-answerer.ts`, `failure-injection.ts`, `http-io.ts`: answering, recording and failing calls;
 * - `route-table.ts` and the `*-routes.ts` modules: one module per API area;
 * - `fake-account.ts`: the account's state; `protocol.ts`, `answers.ts`, `json-text.ts`: shared helpers;
 * - `callback-push.ts`, `mass-finish-push.ts`: pushing job results; `template-routes.ts` pushes its own;
 * - `control-endpoints.ts`: `/__fake/` (messages, calls, uploaded media, failures…).
 */
export { startFakeWechatApi } from './fake-wechat/start-fake-wechat-api.js';
export type {
  FailOptions,
  FakeDelivery,
  FakeFan,
  FakeMassJob,
  FakeMedia,
  FakeMenu,
  FakeQrCode,
  FakeTemplateSend,
  FakeWechatApi,
  FakeWechatApiOptions,
  MassJobFinishCounts,
  RecordedCall,
} from './fake-wechat/types.js';

/**
 * Baseline: bare Koa + fast-xml-parser on fanhook's protocol edge (signature, safe mode,
 * parsing, a text reply) — it stores nothing. argv: appId.
 */
import { baselineReply, serveCallbackEdge } from './koa-callback-edge.js';

serveCallbackEdge(process.argv[2] ?? 'wx0000000000000000', (msg) => Promise.resolve(baselineReply(msg)));

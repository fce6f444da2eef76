/**
 * Baseline, the persisting peer: what a Node bot is commonly built from — node-webot `wechat`
 * (2.1.0) on express, with mongoose — doing the persist floor's two writes (claim the message
 * by its dedupe key under a unique index, upsert the fan's count and last-seen time) and
 * replying text. argv: appId, database URI.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import mongoose from 'mongoose';
import wechat from 'wechat';
import { BENCH_AES_KEY, BENCH_TOKEN } from '../bench-requests.js';
import { baselineReply, dedupeKeyOf } from './koa-callback-edge.js';

const DUPLICATE_KEY = 11000;

const [appId = 'wx0000000000000000', uri = ''] = process.argv.slice(2);
const connection = await mongoose.createConnection(uri).asPromise();
const Claim = connection.model(
  'Claim',
  new mongoose.Schema({ dedupeKey: { type: String, required: true, unique: true }, openId: String, at: Date }),
  'claims',
);
const Fan = connection.model(
  'Fan',
  new mongoose.Schema({ openId: { type: String, required: true, unique: true }, messages: Number, lastSeenAt: Date, firstSeenAt: Date }),
  'fans',
);
await Promise.all([Claim.init(), Fan.init()]);

const app = express();
app.use(
  '/wechat',
  wechat({ token: BENCH_TOKEN, appid: appId, encodingAESKey: BENCH_AES_KEY }, (req, res, next) => {
    const msg = req.weixin;
    const now = new Date();
    Claim.create({ dedupeKey: dedupeKeyOf(msg), openId: msg.FromUserName, at: now })
      .then(async () => {
        await Fan.updateOne(
          { openId: msg.FromUserName },
          { $inc: { messages: 1 }, $set: { lastSeenAt: now }, $setOnInsert: { firstSeenAt: now } },
          { upsert: true },
        );
        res.reply(baselineReply(msg));
      })
      .catch((error: unknown) => {
        if ((error as { code?: number }).code === DUPLICATE_KEY) {
          res.reply('');
          return;
        }
        next(error);
      });
  }),
);

const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});

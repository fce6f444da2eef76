/**
 * The one fan write behind every inbound message (src/fans/touch-fan.ts): an atomic upsert by
 * openid. Concurrent messages — over several connections, as several instances would send
 * them — lose no update and create one fan, and each message gets its fan back as its own
 * update left it.
 */
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { touchFan } from '../../src/fans/touch-fan.js';
import type { InboundMessage } from '../../src/wechat/inbound.js';
import { useTestDb } from '../support/db.js';

const db = useTestDb();
const connections: Connection[] = [];

beforeAll(async () => {
  for (let i = 0; i < 4; i += 1) {
    connections.push(await mongoose.createConnection(db.uri, { maxPoolSize: 10 }).asPromise());
  }
  await getFanModel(connections[0]!).init();
});
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
});

const text = (openId: string, content: string): InboundMessage => ({
  kind: 'text',
  toUserName: 'gh_fanhook_test',
  fromUserName: openId,
  createTime: Math.floor(Date.now() / 1000),
  msgType: 'text',
  msgId: String(Math.floor(Math.random() * 1e15)),
  content,
  raw: {},
});

describe('touchFan', () => {
  it("creates one fan and counts all 20 of a newcomer's concurrent messages sent over four connections", async () => {
    const now = new Date();
    const fans = await Promise.all(
      Array.from({ length: 20 }, (_, i) => touchFan({ connection: connections[i % 4]!, message: text('oTwentyAtOnce', `消息${i}`), now })),
    );
    // Each message saw the fan right after its own update: every count from 1 to 20 once.
    expect(fans.map((fan) => fan.counts?.['text']).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const stored = await getFanModel(connections[0]!).find({ openId: 'oTwentyAtOnce' }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.counts?.['text']).toBe(20);
  });

  it('applies a message delivered again (a retry or a spool replay after a crash) once', async () => {
    const now = new Date();
    const message = text('oRedelivered', '门店在哪');
    await touchFan({ connection: connections[0]!, message, now });
    const again = await Promise.all([0, 1, 2].map((i) => touchFan({ connection: connections[i]!, message, now })));
    expect(again.map((fan) => fan.counts?.['text'])).toEqual([1, 1, 1]);
    const other = await touchFan({ connection: connections[3]!, message: text('oRedelivered', '包邮吗'), now });
    expect(other.counts?.['text']).toBe(2);
  });

  it("applies a newcomer's first message once when its deliveries race to create the fan", async () => {
    const message = text('oFirstRedelivered', '你好');
    await Promise.all(connections.map((connection) => touchFan({ connection, message, now: new Date() })));
    const stored = await getFanModel(connections[0]!).find({ openId: 'oFirstRedelivered' }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.counts?.['text']).toBe(1);
  });

  it('keeps the first-seen time of an existing fan and moves the last-seen time', async () => {
    const first = new Date('2026-11-01T02:00:00Z');
    const later = new Date('2026-11-20T02:00:00Z');
    await touchFan({ connection: connections[0]!, message: text('oReturning', '你好'), now: first });
    const fan = await touchFan({ connection: connections[1]!, message: text('oReturning', '又来了'), now: later });
    expect(fan.firstSeenAt).toEqual(first);
    expect(fan.lastSeenAt).toEqual(later);
    expect(fan.counts?.['text']).toBe(2);
  });
});

/**
 * The report section: `/report` over a broadcast that reached 100,000 fans, with a holdout of
 * 11,000, 8,500 orders of those fans (in and out of the attribution window) among 50,000 of
 * other fans, and 10,000 clicks. Times what the command does — read the batches, measure the
 * effect by aggregation, write the text — three times, and reports the slowest.
 */
import mongoose from 'mongoose';
import { getBroadcastBatchModel } from '../src/broadcast/broadcast-batch-model.js';
import { getBroadcastModel, type Broadcast } from '../src/broadcast/broadcast-model.js';
import { formatReport } from '../src/broadcast/broadcast-report.js';
import { formatEffect } from '../src/broadcast/effect-report.js';
import { storeHoldout } from '../src/broadcast/holdout-model.js';
import { measureEffect } from '../src/broadcast/measure-effect.js';
import { withDatabase } from '../src/db/with-database.js';
import { ensureLinkIndexes } from '../src/links/ensure-link-indexes.js';
import { getOrderModel } from '../src/orders/order-model.js';

export interface ReportBenchOptions {
  serverUri: string;
  log: (line: string) => void;
}

const RECIPIENTS = 100_000;
const HOLDOUT = 11_000;
const DAY = 24 * 3_600_000;
const TARGET_MS = 2_000;

export async function runReportBench(options: ReportBenchOptions): Promise<string[]> {
  const connection = await mongoose.createConnection(withDatabase(options.serverUri, 'fanhook_bench_report')).asPromise();
  try {
    await connection.dropDatabase();
    await ensureLinkIndexes(connection);
    await Promise.all([getOrderModel(connection).init(), getBroadcastBatchModel(connection).init(), getBroadcastModel(connection).init()]);
    options.log(`report: seeding a ${RECIPIENTS.toLocaleString('en-US')}-recipient broadcast with orders and clicks …`);
    const sentAt = new Date(Date.now() - 9 * DAY);
    const broadcast = await seed(connection, sentAt);
    const times: number[] = [];
    let text = '';
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      const batches = await getBroadcastBatchModel(connection).find({ broadcast: broadcast.number }).lean();
      const effect = await measureEffect({ connection, broadcast, batches, attributionDays: 7, now: new Date() });
      text = [formatReport(broadcast, batches), ...formatEffect(effect!, 'Asia/Shanghai')].join('\n');
      times.push(performance.now() - started);
    }
    const worst = Math.max(...times);
    options.log(`    ${times.map((t) => `${Math.round(t)} ms`).join(', ')}`);
    const figures = /群发组：.*$/m.exec(text)?.[0] ?? '';
    return [
      '| `/report` over | runs | slowest | what it counted |',
      '|---|---:|---:|---|',
      `| ${RECIPIENTS.toLocaleString('en-US')} recipients, ${HOLDOUT.toLocaleString('en-US')} held out, 58,500 orders, 10,000 clicks | 3 | ${Math.round(worst)} ms | ${figures} |`,
      '',
      `target: /report over a 100,000-recipient broadcast < 2 s: ${Math.round(worst)} ms (${worst < TARGET_MS ? 'met' : 'NOT met'})`,
    ];
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}

async function seed(connection: mongoose.Connection, sentAt: Date): Promise<Broadcast> {
  const recipients = Array.from({ length: RECIPIENTS }, (_, i) => `oRcpt${String(i).padStart(6, '0')}`);
  const held = Array.from({ length: HOLDOUT }, (_, i) => `oHeld${String(i).padStart(6, '0')}`);
  const broadcast: Broadcast = {
    number: 1,
    expr: 'all',
    content: { type: 'text', text: '冬装上新 https://shop.example.com/winter' },
    holdout: { share: 0.1, seed: 'bench' },
    state: 'finished',
    createdBy: 'oBenchAdmin',
    createdAt: sentAt,
    firingKey: 'n:1',
    plan: { total: RECIPIENTS + HOLDOUT, customer: 0, mass: RECIPIENTS, massCalls: 10, quotaExcluded: 0, unreachable: 0, holdout: HOLDOUT },
    sentAt,
  };
  await getBroadcastModel(connection).create(broadcast);
  for (let i = 0; i < RECIPIENTS / 10_000; i += 1) {
    const openIds = recipients.slice(i * 10_000, (i + 1) * 10_000);
    const finish = {
      status: 'send success',
      totalCount: openIds.length,
      filterCount: openIds.length,
      sentCount: openIds.length,
      errorCount: 0,
      at: sentAt,
    };
    await getBroadcastBatchModel(connection).create({
      broadcast: 1,
      index: i + 1,
      kind: 'mass',
      state: 'finished',
      openIds,
      recipients: openIds,
      finish,
    });
  }
  await storeHoldout(connection, 1, held);
  const orders: Record<string, unknown>[] = [];
  const order = (openId: string, daysAfter: number, fen: number) => ({
    _id: `B-${orders.length}`,
    openId,
    amountFen: fen,
    paidAt: new Date(sentAt.getTime() + daysAfter * DAY),
    items: [{ sku: 'W1', name: '羊毛外套', qty: 1 }],
    receivedAt: new Date(),
  });
  for (let i = 0; i < 6_000; i += 1) {
    orders.push(order(recipients[(i * 16) % RECIPIENTS]!, (i % 7) + 0.5, 19_900));
  }
  for (let i = 0; i < 2_000; i += 1) {
    orders.push(order(recipients[(i * 37) % RECIPIENTS]!, 8 + (i % 20), 9_900));
  }
  for (let i = 0; i < 500; i += 1) {
    orders.push(order(held[(i * 13) % HOLDOUT]!, (i % 7) + 0.5, 19_900));
  }
  for (let i = 0; i < 50_000; i += 1) {
    orders.push(order(`oOther${i}`, (i % 30) - 10, 5_900));
  }
  for (let i = 0; i < orders.length; i += 5_000) {
    await connection.collection('orders').insertMany(orders.slice(i, i + 5_000) as never[], { ordered: false });
  }
  const clicks = Array.from({ length: 10_000 }, (_, i) => ({
    _id: `bench0000000:${recipients[(i * 9) % RECIPIENTS]}-${i}`,
    code: 'bench0000000',
    broadcast: 1,
    openId: recipients[(i * 9) % RECIPIENTS],
    at: new Date(sentAt.getTime() + (i % 48) * 3_600_000),
    first: true,
    via: 'oauth',
  }));
  await connection.collection('link_clicks').insertMany(clicks as never[], { ordered: false });
  return broadcast;
}

/**
 * `npm run import-orders -- FILE.csv|FILE.json`: imports a shop's order export
 * into the database MONGODB_URI names, exactly as `POST /api/orders` would (same checks, same
 * idempotency, same purchase facts), with a progress bar on stderr. Exit code 0 when every
 * row was stored or already there, 2 when some rows were refused (listed with their line), 1
 * when the file could not be imported at all.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from './config.js';
import { connectDatabase } from './db/connect.js';
import { dropRetiredIndexes } from './db/ensure-indexes.js';
import { AppError } from './errors.js';
import { importOrders, type ImportReport } from './orders/import-orders.js';
import { getOrderModel } from './orders/order-model.js';
import { readOrderCsv } from './orders/read-order-csv.js';
import { readOrderRows } from './orders/read-order-rows.js';
import { RfmRegistry } from './orders/rfm-registry.js';
import { systemClock } from './lib/clock.js';

const USAGE = 'usage: npm run import-orders -- FILE.csv|FILE.json|FILE.ndjson   (MONGODB_URI names the database)';
const SHOWN_REFUSALS = 50;

function describe(report: ImportReport): string {
  const lines = [
    `accepted ${report.accepted} (new ${report.accepted - report.updated}, changed ${report.updated}), unchanged ${report.unchanged}, refused ${report.refused}`,
    ...report.refusedRows.slice(0, SHOWN_REFUSALS).map((row) => `  ${row.line ? `line ${row.line}` : `row ${row.index}`}: ${row.reason}`),
  ];
  if (report.refused > SHOWN_REFUSALS) {
    lines.push(`  … and ${report.refused - SHOWN_REFUSALS} more`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { positionals } = parseArgs({ allowPositionals: true });
  const file = positionals[0];
  if (!file || positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const config = loadConfig();
  if (!config.mongodbUri) {
    process.stderr.write('import-orders: set MONGODB_URI to the database fanhook uses (npm run dev prints the local one)\n');
    return 1;
  }
  const text = await readFile(file, 'utf8');
  const rows = /\.csv$/i.test(file) ? readOrderCsv(text) : readOrderRows(text);
  const connection = await connectDatabase(config.mongodbUri);
  const bar = new cliProgress.SingleBar(
    { format: 'orders {bar} {value}/{total} rows · {percentage}% · {eta_formatted} left', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  try {
    // Run before the server has upgraded the database, it must not build beside a retired index.
    await dropRetiredIndexes(connection);
    await getOrderModel(connection).init();
    const rfm = await RfmRegistry.load(config.templatesDir);
    bar.start(rows.length, 0);
    const report = await importOrders({ connection, clock: systemClock, timezone: config.timezone, tiers: () => rfm.tiers }, rows, (done) =>
      bar.update(done),
    );
    bar.stop();
    process.stdout.write(`${describe(report)}\n`);
    return report.refused > 0 ? 2 : 0;
  } finally {
    bar.stop();
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Bad files and bad configuration are the merchant's to fix: their message, no stack.
    process.stderr.write(`import-orders: ${error instanceof AppError ? error.message : String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  },
);

/**
 * Formats the benchmark's figures as the Markdown table the README shows.
 */
import os from 'node:os';
import type { CallbackRow } from './callback-bench.js';

/** One line naming the machine, so a table is never read without its context. */
export function formatMachine(dbKind: string, pinned: boolean): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
  return (
    `machine: ${os.cpus().length} × ${cpu}, ${memGiB} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}, ` +
    `database ${dbKind === 'ferretdb' ? 'FerretDB 1.24 (SQLite)' : dbKind === 'mongod' ? 'local mongod' : 'external (--mongodb-uri)'}, load generator ${pinned ? 'pinned to another core (taskset)' : 'not pinned'}, ` +
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`
  );
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The callback table, with the ratios against both baselines and the target checks. */
export function formatCallbackTable(rows: CallbackRow[], connections: number): string[] {
  const rps = (prefix: string): number => rows.find((r) => r.name.startsWith(prefix))?.result.rps ?? Number.NaN;
  const raw = rps('raw');
  const koaPlain = rps('bare Koa + fast-xml-parser, plaintext');
  const koaSafe = rps('bare Koa + fast-xml-parser, safe');
  const lines = [
    `| callbacks (${connections} connections) | req/s | p50 ms | p99 ms | errors | × bare Koa | × raw http | stored |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { name, result: r, stored } of rows) {
    const koa = name.includes('safe') ? koaSafe : koaPlain;
    const errors = r.errors + r.timeouts + r.non2xx;
    const persisted = stored === undefined ? '—' : `${fmt(stored)}/${fmt(r.requests - errors)}`;
    lines.push(
      `| ${name} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${errors} | ${fmt(r.rps / koa, 2)} | ${fmt(r.rps / raw, 2)} | ${persisted} |`,
    );
  }
  const plain = rps('fanhook, plaintext');
  const safe = rps('fanhook, safe');
  const plainRow = rows.find((r) => r.name.startsWith('fanhook, plaintext'));
  const check = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  lines.push(
    '',
    `targets: persisted plaintext ≥ 0.6 × bare Koa: ${fmt(plain / koaPlain, 2)} (${check(plain / koaPlain >= 0.6)}); ` +
      `p99 < 100 ms with 0 errors: ${fmt(plainRow?.result.p99 ?? Number.NaN)} ms, ${plainRow ? plainRow.result.errors + plainRow.result.timeouts + plainRow.result.non2xx : '?'} errors ` +
      `(${check((plainRow?.result.p99 ?? Infinity) < 100 && (plainRow?.result.errors ?? 1) + (plainRow?.result.non2xx ?? 1) === 0)}); ` +
      `safe ≥ 0.75 × plaintext: ${fmt(safe / plain, 2)} (${check(safe / plain >= 0.75)})`,
  );
  return lines;
}

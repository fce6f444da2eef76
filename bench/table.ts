/**
 * Formats the benchmark's figures as the Markdown tables the README shows.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallbackRow, CallbackSubject } from './callback-bench.js';
import { errorsOf } from './callback-bench.js';

const PINS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/local-engine/pins.sh');

/** The local engine's components, as built from scripts/local-engine/pins.sh. */
function localEngineName(ferretdbVersion: string | undefined): string {
  const pins = readFileSync(PINS, 'utf8');
  const pin = (name: string): string => new RegExp(`^${name}=(\\S+)`, 'm').exec(pins)?.[1] ?? '?';
  const documentdb = pin('DOCUMENTDB_VERSION').replace(/-[0-9a-f]+$/, '');
  const postgres = /postgresql\/(\d+)/.exec(pin('PG_BIN'))?.[1] ?? '?';
  return `FerretDB ${(ferretdbVersion ?? pin('FERRETDB_VERSION')).replace(/^v/, '')} + DocumentDB ${documentdb} on PostgreSQL ${postgres}`;
}

/** What the database is, in words: `kind` from startLocalDatabase, the FerretDB version from buildInfo. */
export function databaseName(kind: string, ferretdbVersion: string | undefined): string {
  if (kind === 'local-engine') {
    return localEngineName(ferretdbVersion);
  }
  if (kind === 'mongod') {
    return 'local mongod';
  }
  return ferretdbVersion ? `external FerretDB ${ferretdbVersion} (--mongodb-uri)` : 'external (--mongodb-uri)';
}

/** One line naming the machine, so a table is never read without its context. */
export function formatMachine(database: string, pinned: boolean): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
  return (
    `machine: ${os.cpus().length} × ${cpu}, ${memGiB} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}, ` +
    `database ${database}, load generator ${pinned ? 'pinned to another core (taskset)' : 'not pinned'}, ` +
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`
  );
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
export const check = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** The callback table, with ratios against the baselines of the same mode and the target checks. */
export function formatCallbackTable(rows: CallbackRow[], connections: number): string[] {
  const rps = (subject: CallbackSubject, mode: 'plain' | 'safe'): number =>
    rows.find((r) => r.subject === subject && r.mode === mode && r.text)?.result.rps ?? Number.NaN;
  const lines = [
    `| callbacks (${connections} connections) | req/s | p50 ms | p99 ms | errors | × persist floor | × persisting peer | × bare Koa | stored |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const r = row.result;
    const ratio = (subject: CallbackSubject): string => (row.text ? fmt(r.rps / rps(subject, row.mode), 2) : '—');
    const persisted = row.stored === undefined ? '—' : `${fmt(row.stored)}/${fmt(r.requests - errorsOf(r))}`;
    lines.push(
      `| ${row.name} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${errorsOf(r)} | ${ratio('floor')} | ${ratio('peer')} | ${ratio('koa')} | ${persisted} |`,
    );
  }
  lines.push('');
  for (const mode of ['plain', 'safe'] as const) {
    const row = rows.find((r) => r.subject === 'fanhook' && r.mode === mode && r.text);
    if (!row) {
      continue;
    }
    const floor = row.result.rps / rps('floor', mode);
    const peer = row.result.rps / rps('peer', mode);
    const errors = errorsOf(row.result);
    lines.push(
      `targets, ${mode === 'plain' ? 'plaintext' : 'safe mode'} text persisted: ` +
        `≥ 1.0 × persist floor: ${fmt(floor, 2)} (${Number.isNaN(floor) ? 'not measured' : check(floor >= 1)}); ` +
        `≥ 1.5 × persisting peer: ${fmt(peer, 2)} (${Number.isNaN(peer) ? 'not measured' : check(peer >= 1.5)}); ` +
        `p99 < 100 ms: ${fmt(row.result.p99)} ms (${check(row.result.p99 < 100)}); ` +
        `0 errors: ${errors} (${check(errors === 0)})`,
    );
  }
  for (const mode of ['plain', 'safe'] as const) {
    const now = rows.find((r) => r.subject === 'fanhook' && r.mode === mode && r.text);
    const before = rows.find((r) => r.subject === 'compare' && r.mode === mode && r.text);
    if (now && before) {
      lines.push(
        `${mode === 'plain' ? 'plaintext' : 'safe mode'}: this checkout / ${before.name.split(',')[0]}: ` +
          `${fmt(now.result.rps / before.result.rps, 2)} × the throughput, p99 ${fmt(now.result.p99)} vs ${fmt(before.result.p99)} ms`,
      );
    }
  }
  const median = (subject: CallbackSubject): number => {
    const sorted = rows
      .filter((r) => r.subject === subject)
      .map((r) => r.result.rps)
      .sort((a, b) => a - b);
    if (sorted.length === 0) {
      return Number.NaN;
    }
    const middle = sorted.length / 2;
    return Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
  };
  const on = median('replay-on');
  const off = median('replay-off');
  if (!Number.isNaN(on) && !Number.isNaN(off)) {
    const cost = 1 - on / off;
    lines.push(
      `security (issue 12): the replay check costs ${fmt(cost * 100, 1)}% of plaintext throughput ` +
        `(median ${fmt(on)} vs ${fmt(off)} req/s without it); target < 5%: ${check(cost < 0.05)}`,
    );
  }
  return lines;
}

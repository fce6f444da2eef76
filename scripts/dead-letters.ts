/**
 * The operator's command for dead letters (messages fanhook gave up on: refused by the
 * database, or failing on every attempt).
 *
 * Usage (same environment as the server: MONGODB_URI, FANHOOK_DATA_DIR …):
 *   npm run dead-letters -- list             every dead letter, newest first
 *   npm run dead-letters -- replay <id> …    send those back for another try
 *   npm run dead-letters -- replay all       send every one back
 * A replayed letter is picked up by the running web instance within seconds; if it fails
 * again it comes back to this list (with a log line).
 */
import { loadConfig } from '../src/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { ConfigError } from '../src/errors.js';
import { listDeadLetters, replayDeadLetters } from '../src/interactions/dead-letter-replay.js';
import type { ListedDeadLetter } from '../src/interactions/dead-letter-store.js';
import { spoolDirOf } from '../src/interactions/inbound-spool.js';

const USAGE = 'usage: npm run dead-letters -- list | replay <id>… | replay all';

function describe(letter: ListedDeadLetter): string {
  const text = letter.message.kind === 'text' ? ` "${letter.message.content.slice(0, 40)}"` : '';
  return `${letter.id}  ${letter.deadAt.toISOString()}  ${letter.reason} after ${letter.attempts}  ${letter.message.fromUserName}  ${letter.dedupeKey}${text}\n    ${letter.error}  [${letter.where}]`;
}

async function main(args: string[]): Promise<number> {
  const [command, ...ids] = args;
  if (command !== 'list' && !(command === 'replay' && ids.length > 0)) {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  }
  const config = loadConfig();
  if (!config.mongodbUri) {
    process.stderr.write('dead-letters: MONGODB_URI is required (the database the server uses)\n');
    return 78;
  }
  const connection = await connectDatabase(config.mongodbUri);
  try {
    const spoolDir = spoolDirOf(config.dataDir, connection.name);
    if (command === 'list') {
      const letters = await listDeadLetters(connection, spoolDir);
      process.stdout.write(letters.length === 0 ? 'no dead letters\n' : `${letters.map(describe).join('\n')}\n`);
      return 0;
    }
    const { queued, unknown } = await replayDeadLetters(connection, spoolDir, ids.length === 1 && ids[0] === 'all' ? 'all' : ids);
    for (const letter of queued) {
      process.stdout.write(`queued for replay: ${letter.id} (${letter.dedupeKey})\n`);
    }
    for (const id of unknown) {
      process.stderr.write(`no dead letter ${id}\n`);
    }
    return unknown.length > 0 ? 1 : 0;
  } finally {
    await connection.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dead-letters: ${error instanceof ConfigError ? error.message : String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  },
);

/**
 * Finds or builds the FerretDB binary the `db` tests and `npm run dev` fall back to, and
 * prints its path. `.ci/run` calls it first so the one-time Go build is its own timed step
 * instead of eating into a test hook's timeout.
 *
 * Usage: npx tsx scripts/ensure-ferretdb.ts   (FANHOOK_CACHE_DIR overrides ~/.cache/fanhook)
 */
import pretty from 'pino-pretty';
import { defaultCacheDir, ensureFerretDbBinary } from '../src/db/local-database.js';
import { createLogger } from '../src/lib/logger.js';

// Logs go to stderr so stdout carries only the path.
const logger = createLogger({ destination: pretty({ destination: 2, ignore: 'pid,hostname,service' }) });
try {
  const binary = await ensureFerretDbBinary(process.env.FANHOOK_CACHE_DIR || defaultCacheDir(), logger);
  process.stdout.write(`${binary}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

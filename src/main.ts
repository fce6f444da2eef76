/**
 * Process entry: config → database (MONGODB_URI; without it, outside production, the local
 * development database) → fanhook → HTTP and/or jobs by role. SIGTERM/SIGINT stop taking
 * requests, drain jobs and close the database within 10 s.
 */
import type { Connection } from 'mongoose';
import { loadConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { connectDatabase } from './db/connect.js';
import { withDatabase } from './db/with-database.js';
import { createFanhook } from './fanhook.js';
import { createLogger, type Logger } from './lib/logger.js';

const SHUTDOWN_BUDGET_MS = 10_000;

function readConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // One clear line naming the variable; never start half-configured.
      process.stderr.write(`fanhook: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

async function openDatabase(config: Config, logger: Logger): Promise<{ connection: Connection; stopLocal?: () => Promise<void> }> {
  if (config.mongodbUri) {
    return { connection: await connectDatabase(config.mongodbUri) };
  }
  // Loaded only here: the local engine is a development tool, and production (where config
  // requires MONGODB_URI) never reaches this line.
  logger.info({ dataDir: config.dataDir }, 'MONGODB_URI not set: starting the local development database');
  const { startLocalDatabase } = await import('./devtools/local-engine/start-local-database.js');
  const local = await startLocalDatabase({ dataDir: config.dataDir, logger });
  return { connection: await connectDatabase(withDatabase(local.uri, 'fanhook')), stopLocal: () => local.stop() };
}

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger({ level: config.logLevel });
  const { connection, stopLocal } = await openDatabase(config, logger);
  const fanhook = await createFanhook({ config, connection, logger });

  if (config.role !== 'web') {
    await fanhook.startJobs();
  }
  if (config.role !== 'worker') {
    const port = await fanhook.listen(config.port);
    logger.info({ port, role: config.role, mode: config.wechat.aesKey ? 'compatible/safe' : 'plaintext' }, 'fanhook listening');
  }

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS);
    force.unref();
    try {
      await fanhook.stop(SHUTDOWN_BUDGET_MS - 2_000);
      await connection.close();
      await stopLocal?.();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fanhook: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/**
 * vitest globalSetup for the `db` project: one MongoDB-wire server for the whole run, handed
 * to test files as `inject('mongoUri')`. The order is SPEC §11's: MONGODB_URI when set, else a
 * `mongod` on PATH, else the local engine (FerretDB 2.5 on PostgreSQL + DocumentDB), each on
 * free ports with its data in a temp dir removed afterwards. Each test file then works in its
 * own database (test/support/db.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { defaultCacheDir } from '../../src/devtools/local-engine/ensure-engine.js';
import { startLocalDatabase } from '../../src/devtools/local-engine/start-local-database.js';
import { createLogger } from '../../src/lib/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URI without a database name; use testDbUri()/useTestDb() to get one. */
    mongoUri: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    return async () => undefined;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-test-db-'));
  // warn: quiet unless something is worth knowing (the engine's one-time build prints its own progress).
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  try {
    const server = await startLocalDatabase({ dataDir, logger, cacheDir: defaultCacheDir(), ephemeral: true });
    project.provide('mongoUri', server.uri);
    return async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

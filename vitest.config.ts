import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing; `db` gets one real MongoDB-wire server from the
// global setup (MONGODB_URI, else mongod on PATH, else a cached FerretDB build).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.db.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'db',
          include: ['test/**/*.db.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/mongo.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

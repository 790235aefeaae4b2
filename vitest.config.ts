import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Temporal SDK's native bridge is happiest in child processes, not worker threads.
    pool: 'forks',
    // Workflow and end-to-end files each start a Temporal server; on 2 cores one at a time is faster.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['test/support/globalSetup.ts'],
    // In-memory SQL stores copy one migrated database made once per run (test/support/sharedSqlTemplate.ts).
    setupFiles: ['test/support/sharedSqlTemplate.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // One nats-server per run (test/global-setup.ts), started before the
    // first file and stopped after the last, also on failure or ctrl-c.
    globalSetup: ['./test/global-setup.ts'],
    // Fault tests stop and restart processes and the server: one file at a time.
    fileParallelism: false,
  },
});

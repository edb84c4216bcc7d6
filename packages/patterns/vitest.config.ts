import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Concurrency tests spawn real worker threads; on a 2-core CI machine
    // running files one at a time keeps their timing honest.
    fileParallelism: false,
  },
});

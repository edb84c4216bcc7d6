import { defineConfig } from 'vitest/config';
import { gocspTest } from '../../tools/vitest.mjs';

export default defineConfig({
  test: gocspTest({
    // One nats-server per run (test/global-setup.ts), started before the
    // first file and stopped after the last, also on failure or ctrl-c.
    globalSetup: ['./test/global-setup.ts'],
  }),
});

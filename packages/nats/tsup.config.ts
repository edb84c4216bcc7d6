import { defineConfig } from 'tsup';
import { gocspTsup } from '../../tools/build.mjs';

// The NATS client packages are peers: never bundled.
export default defineConfig(
  gocspTsup({
    entry: ['src/index.ts'],
    external: ['@nats-io/transport-node', '@nats-io/jetstream'],
  }),
);

import { defineConfig } from 'tsup';

// Benchmarks and their worker scripts are separate entries so a benchmark can
// start `new Worker(new URL('./workers/x.js', import.meta.url))`. The worker
// pools compared with gocsp stay external (resolved from the root
// node_modules): each locates its own worker script next to its files.
export default defineConfig({
  entry: ['src/run.ts', 'src/workers/*.ts'],
  format: ['esm'],
  outDir: 'dist',
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  dts: false,
  // The NATS client (a peer of @gocsp/nats) likewise: the one the repo installs.
  external: ['piscina', 'tinypool', 'workerpool', /^@nats-io\//],
});

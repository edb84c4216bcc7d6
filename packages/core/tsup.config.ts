import { defineConfig } from 'tsup';
import { gocspTsup } from '../../tools/build.mjs';

// src/substrate.ts is the "./internal" subpath (for gocsp's own packages);
// src/worker.ts is the entry of an M worker thread (CommonJS only).
export default defineConfig(
  gocspTsup({
    entry: ['src/index.ts', 'src/substrate.ts', 'src/worker.ts'],
    esmEntries: ['index', 'substrate'],
  }),
);

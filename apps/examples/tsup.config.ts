import { defineConfig } from 'tsup';

// Every file under src/examples and src/tasks is its own entry. The output keeps
// the layout below src/ (dist/tour.js, dist/examples/<name>.js,
// dist/tasks/<name>.js), so an example reaches its task module - which worker
// threads import - as `new URL('../tasks/<name>.js', import.meta.url)`, and can
// start itself again as a worker or a child process (`import.meta.url`).
// src/lib is bundled into whichever entry uses it.
export default defineConfig({
  entry: ['src/tour.ts', 'src/examples/*.ts', 'src/tasks/*.ts'],
  format: ['esm'],
  outDir: 'dist',
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  dts: false,
  // Shared with @gocsp/patterns/rxjs: one copy, not a bundled one. The NATS
  // client is @gocsp/nats' peer: the one the repo installs.
  external: ['rxjs', /^@nats-io\//],
});

import { defineConfig } from 'tsup';

// Every file under src/examples is its own entry, so an example can start
// worker threads on a sibling file of dist/ (`new URL('./x.js', import.meta.url)`).
export default defineConfig({
  entry: ['src/tour.ts', 'src/examples/*.ts'],
  format: ['esm'],
  outDir: 'dist',
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  dts: false,
});

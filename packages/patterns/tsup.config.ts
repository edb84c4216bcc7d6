import path from 'node:path';
import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';

const mainEntry = path.resolve('src/index.ts');

/**
 * The rxjs entry imports the main entry (`src/index.ts`) instead of bundling
 * a second copy of it: one Context class, one registration of the shared
 * type, one goroutine registry per process. Its import stays external and
 * points at the built main entry of the same format.
 */
const mainEntryExternal: Plugin = {
  name: 'gocsp-main-entry-external',
  setup(build) {
    const ext = build.initialOptions.outExtension?.['.js'] ?? '.js';
    build.onResolve({ filter: /(^|\/)index\.js$/ }, (args) => {
      if (args.importer === mainEntry) return undefined;
      const target = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      if (target !== mainEntry) return undefined;
      return { path: `./index${ext}`, external: true };
    });
  },
};

export default defineConfig({
  entry: ['src/index.ts', 'src/rxjs.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  shims: true,
  treeshake: true,
  external: ['rxjs'],
  esbuildPlugins: [mainEntryExternal],
});

// vitest: the settings every gocsp test suite uses (packages/*/vitest.config.ts).
import { STRESS } from './testkit.mjs';

/**
 * The `test` options of a gocsp package's suite.
 *
 * - Tests import the packages by name, so they run the built dist/ - what a
 *   user installs. Those files must be loaded by Node itself, not inlined by
 *   Vite (which inlines everything outside node_modules, and the workspace
 *   packages are symlinks out of it): an inlined copy is a second module
 *   instance beside the one that other packages' `require` loads, with its
 *   own classes (docs/ARCHITECTURE.md, "One copy per thread").
 * - Concurrency tests spawn real worker threads; on a 2-core CI machine,
 *   running files one at a time keeps their timing honest.
 * - GOCSP_STRESS=<factor> scales the tests' work (testkit.mjs), so it
 *   scales their time limit too.
 */
export function gocspTest(overrides = {}) {
  return {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000 * STRESS,
    hookTimeout: 30_000,
    fileParallelism: false,
    server: { deps: { external: [/[\\/]packages[\\/][^\\/]+[\\/]dist[\\/]/] } },
    ...overrides,
  };
}

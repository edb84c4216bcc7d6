import type { ViteUserConfig } from 'vitest/config';

/** The `test` options of a gocsp package's suite (see vitest.mjs). */
export function gocspTest(
  overrides?: NonNullable<ViteUserConfig['test']>,
): NonNullable<ViteUserConfig['test']>;

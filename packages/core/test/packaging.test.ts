// What a user installs: the built dist/ through the "exports" map - ESM and CJS
// give the same exports, the .d.ts type-check as node16 ESM/CJS, bundler and
// node10 consumers, publint is clean. See tools/packaging.mjs.
import { describe, expect, it } from 'vitest';
import { packagingChecks } from '../../../tools/packaging.mjs';

describe('packaging of @gocsp/core', () => {
  for (const check of packagingChecks(new URL('..', import.meta.url))) {
    it(check.name, async () => {
      expect(await check.run()).toEqual([]);
    });
  }
});

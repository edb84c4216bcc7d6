// What a user installs: the built dist/ through the "exports" map - ESM and CJS
// give the same exports, the .d.ts type-check as node16 ESM/CJS, bundler and
// node10 consumers, publint is clean, and the main entry never loads rxjs.
// See tools/packaging.mjs.
import { describe, expect, it } from 'vitest';
import { loadPackage, packagingChecks } from '../../../tools/packaging.mjs';

const pkgDir = new URL('..', import.meta.url);

describe('packaging of @gocsp/patterns', () => {
  it('ships @gocsp/patterns/rxjs, with rxjs an optional peer', () => {
    const info = loadPackage(pkgDir);
    expect(info.subpaths.map((s) => s.spec)).toContain('@gocsp/patterns/rxjs');
    expect(info.optionalPeers).toContain('rxjs');
  });

  for (const check of packagingChecks(pkgDir)) {
    it(check.name, async () => {
      expect(await check.run()).toEqual([]);
    });
  }
});

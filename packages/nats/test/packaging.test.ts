// What a user installs: the built dist/ through the "exports" map - ESM and CJS
// give the same exports, the .d.ts type-check as node16 ESM/CJS, bundler and
// node10 consumers, publint is clean, loading it keeps no process alive.
// The NATS client packages are peers: resolved from the workspace here, as a
// user's own install provides them. See tools/packaging.mjs.
import { describe, expect, it } from 'vitest';
import { loadPackage, packagingChecks } from '../../../tools/packaging.mjs';

const pkgDir = new URL('..', import.meta.url);

describe('packaging of @gocsp/nats', () => {
  it('declares the NATS client packages as peer dependencies, not dependencies', () => {
    const { pkg } = loadPackage(pkgDir);
    expect(Object.keys(pkg.peerDependencies ?? {}).sort()).toEqual([
      '@nats-io/jetstream',
      '@nats-io/transport-node',
    ]);
    expect(Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@nats-io'))).toEqual([]);
  });

  // node10 resolution is left out: the NATS client's own types do not resolve
  // there (@nats-io/transport-node re-exports '@nats-io/nats-core/internal', a
  // subpath only an "exports"-aware resolution finds), so no consumer of the
  // NATS client compiles under node10, with or without gocsp.
  for (const check of packagingChecks(pkgDir, {
    variants: ['node16 ESM', 'node16 CJS', 'bundler'],
  })) {
    it(check.name, async () => {
      expect(await check.run()).toEqual([]);
    });
  }
});

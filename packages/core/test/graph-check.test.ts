// tools/check-graph.mjs: the package graph of docs/ARCHITECTURE.md, enforced. Runs the
// script as `npm test` does, on the real repository and on small fixture trees
// that each break one rule.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = path.join(repoRoot, 'tools', 'check-graph.mjs');
const fixtureDirs: string[] = [];

afterAll(() => {
  for (const dir of fixtureDirs) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  ms: number;
}

function runCheck(root: string): Run {
  const started = performance.now();
  const r = spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr, ms: performance.now() - started };
}

type Files = Record<string, string | object>;

function manifest(name: string, deps: Record<string, string> = {}, extra: object = {}): object {
  return {
    name,
    version: '0.0.0',
    type: 'module',
    exports: { '.': './dist/index.js', './package.json': './package.json' },
    dependencies: deps,
    ...extra,
  };
}

/** A clean repository in the shape of the package graph; `changes` edits or adds files. */
function fixture(changes: Files = {}): string {
  const files: Files = {
    'package.json': { name: 'fixture', private: true, workspaces: ['packages/*', 'apps/*'] },
    'packages/core/package.json': manifest('@gocsp/core'),
    'packages/core/src/index.ts': "export { park } from './internal/park.js';\n",
    'packages/core/src/internal/park.ts':
      "import { Worker } from 'node:worker_threads';\nimport os from 'os';\nexport const park = (): unknown => [Worker, os];\n",
    'packages/channels/package.json': manifest('@gocsp/channels', { '@gocsp/core': '0.0.0' }),
    'packages/channels/src/index.ts':
      "import { park } from '@gocsp/core';\nexport const ch = park;\n",
    'packages/sync/package.json': manifest('@gocsp/sync', { '@gocsp/core': '0.0.0' }),
    'packages/sync/src/index.ts': "export * from '@gocsp/core';\n",
    'packages/patterns/package.json': manifest(
      '@gocsp/patterns',
      { '@gocsp/core': '0.0.0', '@gocsp/channels': '0.0.0', '@gocsp/sync': '0.0.0' },
      {
        exports: {
          '.': './dist/index.js',
          './rxjs': './dist/rxjs.js',
          './package.json': './package.json',
        },
        peerDependencies: { rxjs: '^7.8.0' },
        peerDependenciesMeta: { rxjs: { optional: true } },
      },
    ),
    'packages/patterns/src/index.ts':
      "import { ch } from '@gocsp/channels';\nimport type { park } from '@gocsp/core';\nexport { ch };\nexport type P = typeof park;\n// import { x } from 'rxjs';\nexport const msg = \"import { y } from 'rxjs'\";\n",
    'packages/patterns/src/rxjs.ts':
      "import { Observable } from 'rxjs';\nimport { map } from 'rxjs/operators';\nexport { Observable, map };\n",
    'apps/examples/package.json': {
      name: '@gocsp/examples',
      private: true,
      dependencies: { '@gocsp/patterns': '0.0.0', '@gocsp/core': '0.0.0' },
    },
    'apps/examples/src/tour.ts':
      "import { ch } from '@gocsp/patterns';\nimport { park } from '@gocsp/core';\nimport { Observable } from 'rxjs';\nimport * as rx from '@gocsp/patterns/rxjs';\nexport const all = [ch, park, Observable, rx];\n",
    ...changes,
  };
  const root = mkdtempSync(path.join(tmpdir(), 'gocsp-graph-'));
  fixtureDirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n',
    );
  }
  return root;
}

/** Runs the check on a fixture and expects it to fail with every message in `expected`. */
function expectViolation(changes: Files, ...expected: string[]): string {
  const r = runCheck(fixture(changes));
  expect(r.code, r.out).toBe(1);
  for (const text of expected) expect(r.out).toContain(text);
  return r.out;
}

describe('tools/check-graph.mjs', () => {
  it('passes on this repository, in well under a second', () => {
    const r = runCheck(repoRoot);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^check-graph: ok/);
    expect(r.ms).toBeLessThan(1000);
  });

  it('passes on a clean tree (type-only imports, imports in strings and comments, allowed rxjs and subpaths)', () => {
    const r = runCheck(fixture());
    expect(r.code, r.out).toBe(0);
  });

  it('rejects an import cycle between files of one package', () => {
    const out = expectViolation(
      {
        'packages/sync/src/index.ts': "export { a } from './a.js';\n",
        'packages/sync/src/a.ts':
          "import { b } from './b.js';\nexport const a = (): unknown => b;\n",
        'packages/sync/src/b.ts':
          "export const b = 1;\nexport const lazy = () => import('./a.js');\n",
      },
      'import cycle between files of @gocsp/sync: src/a.ts -> src/b.ts -> src/a.ts',
      "src/a.ts:1 imports './b.js'",
      "src/b.ts:2 imports './a.js'",
    );
    expect(out).toContain('packages/sync');
  });

  it('ignores a cycle made only of type imports (erased at runtime)', () => {
    const r = runCheck(
      fixture({
        'packages/sync/src/index.ts': "export { a } from './a.js';\n",
        'packages/sync/src/a.ts':
          "import type { B } from './b.js';\nexport const a = (x: B): B => x;\nexport type A = number;\n",
        'packages/sync/src/b.ts': "import type { A } from './a.js';\nexport type B = A;\n",
      }),
    );
    expect(r.code, r.out).toBe(0);
  });

  it('rejects a runtime dependency of @gocsp/core', () => {
    expectViolation(
      { 'packages/core/package.json': manifest('@gocsp/core', { 'left-pad': '^1.0.0' }) },
      'packages/core/package.json: @gocsp/core must have no runtime dependencies',
      'left-pad',
    );
  });

  it('rejects a bare import in @gocsp/core src', () => {
    expectViolation(
      { 'packages/core/src/clock.ts': "import { Mutex } from 'async-mutex';\nexport { Mutex };\n" },
      "packages/core/src/clock.ts:1: imports 'async-mutex': @gocsp/core may import only node: builtins and relative files",
    );
  });

  it("rejects importing another package's src/internal, by path or by name", () => {
    expectViolation(
      {
        'packages/channels/src/index.ts':
          "import { park } from '../../core/src/internal/park.js';\nimport { q } from '@gocsp/core/src/internal/park.js';\nexport const ch = [park, q];\n",
      },
      "packages/channels/src/index.ts:1: imports '../../core/src/internal/park.js', a file of @gocsp/core (its src/internal)",
      "packages/channels/src/index.ts:2: imports '@gocsp/core/src/internal/park.js': deep import; @gocsp/core's internals are private",
    );
  });

  it('lets the sibling packages (not the examples) import the internal substrate, @gocsp/core/internal', () => {
    const withInternal = manifest(
      '@gocsp/core',
      {},
      {
        exports: {
          '.': './dist/index.js',
          './internal': './dist/substrate.js',
          './package.json': './package.json',
        },
      },
    );
    expect(
      runCheck(
        fixture({
          'packages/core/package.json': withInternal,
          'packages/channels/src/index.ts':
            "import * as substrate from '@gocsp/core/internal';\nexport const ch = substrate;\n",
        }),
      ).code,
    ).toBe(0);
    expectViolation(
      {
        'packages/core/package.json': withInternal,
        'apps/examples/src/tour.ts':
          "import * as substrate from '@gocsp/core/internal';\nexport { substrate };\n",
      },
      "apps/examples/src/tour.ts:1: imports '@gocsp/core/internal': '@gocsp/core/internal' is gocsp's internal substrate, not public API",
    );
  });

  it('rejects a deep import that is not an exports subpath', () => {
    expectViolation(
      {
        'apps/examples/src/tour.ts': "import { x } from '@gocsp/patterns/pool';\nexport { x };\n",
      },
      "apps/examples/src/tour.ts:1: imports '@gocsp/patterns/pool': deep import; './pool' is not an \"exports\" subpath of @gocsp/patterns",
    );
  });

  it('rejects an edge that is not in the package graph', () => {
    expectViolation(
      {
        'packages/sync/package.json': manifest('@gocsp/sync', {
          '@gocsp/core': '0.0.0',
          '@gocsp/channels': '0.0.0',
        }),
        'packages/sync/src/index.ts': "export * from '@gocsp/channels';\n",
      },
      "packages/sync/src/index.ts:1: imports '@gocsp/channels': @gocsp/sync may depend only on @gocsp/core",
      'packages/sync/package.json: "dependencies" lists @gocsp/channels',
    );
  });

  it('rejects an @gocsp import missing from package.json dependencies', () => {
    expectViolation(
      {
        'packages/patterns/src/extra.ts': "export * from '@gocsp/sync';\n",
        'packages/patterns/package.json': manifest(
          '@gocsp/patterns',
          { '@gocsp/core': '0.0.0' },
          { peerDependencies: { rxjs: '^7.8.0' } },
        ),
      },
      'packages/patterns/src/extra.ts:1: imports \'@gocsp/sync\', but @gocsp/sync is not in packages/patterns/package.json "dependencies"',
    );
  });

  it('rejects a cycle between packages', () => {
    expectViolation(
      {
        'packages/core/package.json': manifest(
          '@gocsp/core',
          {},
          { devDependencies: { '@gocsp/sync': '0.0.0' } },
        ),
      },
      'package cycle: @gocsp/core -> @gocsp/sync -> @gocsp/core',
    );
  });

  it('rejects rxjs outside the rxjs entry of @gocsp/patterns', () => {
    expectViolation(
      {
        'packages/patterns/src/index.ts': "export type { Observable } from 'rxjs';\n",
        'packages/channels/src/obs.ts': "import 'rxjs';\n",
      },
      "packages/patterns/src/index.ts:1: imports 'rxjs': rxjs is an optional peer dependency; only src/rxjs.ts or src/internal/rxjs",
      "packages/channels/src/obs.ts:1: imports 'rxjs': rxjs is an optional peer dependency; only @gocsp/patterns may import it",
    );
  });

  it('allows rxjs under src/internal/rxjs*', () => {
    const r = runCheck(
      fixture({
        'packages/patterns/src/internal/rxjs-bridge.ts': "export { from } from 'rxjs';\n",
        'packages/patterns/src/rxjs.ts': "export * from './internal/rxjs-bridge.js';\n",
      }),
    );
    expect(r.code, r.out).toBe(0);
  });
});

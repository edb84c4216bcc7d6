// build: the tsup settings every published gocsp package uses.
//
// One copy per thread. A gocsp package is built three ways:
//
// - dist/*.cjs: CommonJS, split into shared chunks so that its entries ("."
//   and any subpath) share one copy of each module;
// - dist/*.js: Node's ESM entries, which only re-export the CommonJS build;
// - dist/*.mjs: a real ESM build, for bundlers only (the "module" export
//   condition, which esbuild, webpack and rollup follow and Node ignores).
//
// In Node, `import '@gocsp/sync'`, `require('@gocsp/sync')`, and @gocsp/core
// loading the package by itself to revive a shared object (fromShared in a
// thread that imported only core: that load must be synchronous, and Node 20
// can only load CommonJS synchronously) all end in the same module instance:
// one Mutex class, one registration of its shared type, per thread. This is
// Node's documented "ES module wrapper" approach to the dual package hazard.
// A bundle gets real ESM (tree-shaking; no `require` of Node builtins that an
// ESM bundle cannot do) and is one copy by construction. The rejected designs
// are in docs/ARCHITECTURE.md ("One copy per thread").
//
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * tsup options for a gocsp package.
 *
 * @param {object} o
 * @param {string[]} o.entry entry files, e.g. ['src/index.ts', 'src/internal.ts']
 * @param {string[]} [o.esmEntries] entry names that get an ESM file (default: every entry)
 * @param {string[]} [o.external] packages left external
 */
export function gocspTsup({ entry, esmEntries, external = [] }) {
  const names = entry.map((e) => path.basename(e).replace(/\.[cm]?ts$/, ''));
  const withEsm = esmEntries ?? names;
  return {
    entry,
    format: ['esm', 'cjs'],
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    shims: true,
    treeshake: true,
    external,
    async onSuccess() {
      writeEsmEntries(path.resolve('dist'), names, withEsm);
    },
  };
}

/**
 * Writes Node's ESM entry files into `dist`: each re-exports the CommonJS
 * build, export name by export name (read from the built module in a child
 * process, so the names are exactly what `require` gives).
 */
function writeEsmEntries(dist, names, withEsm) {
  for (const name of names) {
    if (!withEsm.includes(name)) {
      // An entry that is CommonJS only (core's worker): no ESM build of it.
      for (const f of [`${name}.mjs`, `${name}.mjs.map`])
        rmSync(path.join(dist, f), { force: true });
    }
  }
  for (const name of withEsm) {
    if (!names.includes(name)) throw new Error(`build: no entry named ${name}`);
    const cjs = `./${name}.cjs`;
    const keys = JSON.parse(
      execFileSync(
        process.execPath,
        [
          '-e',
          `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(path.join(dist, `${name}.cjs`))}))))`,
        ],
        { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
      ),
    ).filter((k) => k !== '__esModule' && k !== 'default');
    const lines = [
      '// ESM entry: re-exports the CommonJS build, so that import and require share one',
      '// copy of this package per thread (tools/build.mjs, docs/ARCHITECTURE.md).',
      keys.length > 0 ? `export { ${keys.join(', ')} } from '${cjs}';` : `import '${cjs}';`,
      '',
    ];
    // tsup's ESM declarations (.d.ts) serve both ESM files: this entry and the .mjs build.
    writeFileSync(path.join(dist, `${name}.js`), lines.join('\n'));
  }
}

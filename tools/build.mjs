// build: the tsup settings every published gocsp package uses.
//
// One copy per thread. A gocsp package is implemented once, as CommonJS
// (dist/*.cjs, split into shared chunks so that its entries - "." and any
// subpath - share one copy of each module). Its ESM entry files (dist/*.js)
// only re-export that CommonJS build. So `import '@gocsp/sync'`,
// `require('@gocsp/sync')`, and @gocsp/core loading the package by itself to
// revive a shared object (fromShared in a thread that imported only core:
// that load must be synchronous, and Node 20 can only load CommonJS
// synchronously) all end in the same module instance: one Mutex class, one
// registration of its shared type, per thread. This is Node's documented
// "ES module wrapper" approach to the dual package hazard. The rejected
// designs are in docs/ARCHITECTURE.md ("One copy per thread").
//
// tsup still builds the ESM format: its declaration files (.d.ts, ESM
// flavoured) are what the "import" condition's types need. The ESM
// JavaScript it emits is then replaced by the re-exporting entry files.

import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
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
 * Replaces tsup's ESM JavaScript in `dist` by entry files that re-export the
 * CommonJS build, export name by export name (read from the built module in
 * a child process, so the names are exactly what `require` gives).
 */
function writeEsmEntries(dist, names, withEsm) {
  for (const f of readdirSync(dist)) {
    // The ESM build's own modules and chunks: nothing may load them.
    if (/\.js(\.map)?$/.test(f)) rmSync(path.join(dist, f));
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
    writeFileSync(path.join(dist, `${name}.js`), lines.join('\n'));
  }
}

// packaging: checks what a user of a gocsp package gets from the registry -
// the built dist/, through the package's "exports" map, from outside the repo.
//
// For every export subpath of a package (read from package.json, so new
// subpaths and new exports are covered without touching this file):
//   - runtime: a fresh `node` process `import()`s the ESM build and another
//     `require()`s the CJS build; each resolves to a file of its own format,
//     loads without keeping the process alive, and both give the same export
//     names, each with the same typeof;
//   - types: the .d.ts resolve and type-check with the installed TypeScript
//     as a consumer compiles them - node16 ESM (.mts), node16 CJS (.cts),
//     bundler, node10 - and declare exactly the values the runtime exports;
//   - publint, at level 'warning': every warning and error fails;
//   - optional peers (peerDependenciesMeta optional, e.g. rxjs): the main
//     entry "." loads with the peer unresolvable and its built files never
//     name it.
//
// The consumer is a temporary directory under os.tmpdir() whose
// node_modules/@gocsp/<name> is a symlink to the package (node_modules/@types
// to the repo's), so resolution goes through "exports" exactly as for an
// installed package, while the package's own dependencies resolve from its
// real path inside the workspace. Nothing is written inside the repository.
//
// Used by packages/<name>/test/packaging.test.ts (vitest, after `build`).

import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const requireFromRepo = createRequire(path.join(repoRoot, 'package.json'));
const CHILD_TIMEOUT_MS = 20_000;

/**
 * Reads a package: name, manifest, export subpaths, optional peers.
 * @param {string | URL} pkgDir
 */
export function loadPackage(pkgDir) {
  const dir = path.resolve(pkgDir instanceof URL ? fileURLToPath(pkgDir) : pkgDir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const exp = pkg.exports;
  let keys = ['.'];
  if (exp && typeof exp === 'object' && !Array.isArray(exp)) {
    const subpathKeys = Object.keys(exp).filter((k) => k.startsWith('.'));
    if (subpathKeys.length > 0) keys = subpathKeys;
  }
  const subpaths = keys
    .filter((k) => k !== './package.json' && !k.includes('*') && !k.endsWith('.json'))
    .map((subpath) => ({
      subpath,
      spec: subpath === '.' ? pkg.name : pkg.name + subpath.slice(1),
    }));
  const optionalPeers = Object.entries(pkg.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta && meta.optional)
    .map(([name]) => name);
  return { dir, name: pkg.name, pkg, subpaths, optionalPeers, probes: new Map() };
}

// ---------------------------------------------------------------------------
// The consumer directory

/**
 * Runs `fn(consumerDir)` in a fresh temporary consumer project that has the
 * package installed (symlinked) under node_modules; removes it afterwards.
 */
export async function withConsumer(info, fn) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gocsp-consumer-'));
  try {
    const scopeDir = path.join(dir, 'node_modules', path.dirname(info.name));
    mkdirSync(scopeDir, { recursive: true });
    symlinkSync(info.dir, path.join(dir, 'node_modules', info.name), 'dir');
    const types = path.join(repoRoot, 'node_modules', '@types');
    if (existsSync(types)) symlinkSync(types, path.join(dir, 'node_modules', '@types'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), '{ "name": "consumer", "private": true }\n');
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args, cwd, env = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        cwd,
        timeout: CHILD_TIMEOUT_MS,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '', ...env },
      },
      (error, stdout, stderr) => resolve({ error, stdout, stderr }),
    );
  });
}

// Child scripts print one JSON line: the resolved file and { name: typeof }.
const ESM_PROBE = `
import { fileURLToPath } from 'node:url';
const [spec, blocked] = [process.argv[1], JSON.parse(process.argv[2] ?? '[]')];
const ns = await import(spec);
const exports = {};
for (const k of Object.keys(ns)) exports[k] = typeof ns[k];
const stillBlocked = [];
for (const b of blocked) { try { await import(b); } catch { stillBlocked.push(b); } }
console.log(JSON.stringify({ file: fileURLToPath(import.meta.resolve(spec)), exports, stillBlocked }));
`;

const CJS_PROBE = `
const [spec, blocked] = [process.argv[1], JSON.parse(process.argv[2] ?? '[]')];
if (blocked.length > 0) {
  const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (blocked.some((b) => request === b || request.startsWith(b + '/'))) {
      const err = new Error("Cannot find module '" + request + "' (made unresolvable by the packaging check)");
      err.code = 'MODULE_NOT_FOUND';
      throw err;
    }
    return resolve.call(this, request, ...rest);
  };
}
const m = require(spec);
const exports = {};
for (const k of Object.keys(m)) if (k !== '__esModule') exports[k] = typeof m[k];
const loaded = Object.keys(require.cache).filter((f) => blocked.some((b) => f.includes('/node_modules/' + b + '/')));
const stillBlocked = [];
for (const b of blocked) { try { require(b); } catch { stillBlocked.push(b); } }
console.log(JSON.stringify({ file: require.resolve(spec), exports, stillBlocked, loaded }));
`;

// ESM resolve hook (loaded with --import) that makes the listed packages unresolvable.
const BLOCK_HOOKS = `
const blocked = JSON.parse(process.env.GOCSP_PACKAGING_BLOCK ?? '[]');
export async function resolve(specifier, context, next) {
  if (blocked.some((b) => specifier === b || specifier.startsWith(b + '/'))) {
    const err = new Error("Cannot find package '" + specifier + "' (made unresolvable by the packaging check)");
    err.code = 'ERR_MODULE_NOT_FOUND';
    throw err;
  }
  return next(specifier, context);
}
`;

/**
 * Loads one export subpath in a fresh node process of the given format
 * ('esm' = import(), 'cjs' = require()), optionally with packages blocked.
 * Returns `{ file, exports, stillBlocked } | { error }`.
 */
export async function probe(info, subpath, format, { blocked = [] } = {}) {
  const key = `${subpath}|${format}|${blocked.join(',')}`;
  if (!info.probes.has(key)) {
    info.probes.set(
      key,
      withConsumer(info, async (dir) => {
        const spec = info.subpaths.find((s) => s.subpath === subpath)?.spec ?? info.name;
        const args = [];
        if (format === 'esm' && blocked.length > 0) {
          writeFileSync(path.join(dir, 'block-hooks.mjs'), BLOCK_HOOKS);
          writeFileSync(
            path.join(dir, 'block-register.mjs'),
            "import { register } from 'node:module';\nregister('./block-hooks.mjs', import.meta.url);\n",
          );
          args.push('--import', './block-register.mjs');
        }
        args.push(
          `--input-type=${format === 'esm' ? 'module' : 'commonjs'}`,
          '-e',
          format === 'esm' ? ESM_PROBE : CJS_PROBE,
          spec,
          JSON.stringify(blocked),
        );
        const r = await run(args, dir, { GOCSP_PACKAGING_BLOCK: JSON.stringify(blocked) });
        const how = `${format === 'esm' ? `import('${spec}')` : `require('${spec}')`}${blocked.length ? ` with ${blocked.join(', ')} unresolvable` : ''}`;
        if (r.error) {
          const why = r.error.killed
            ? `did not exit within ${CHILD_TIMEOUT_MS / 1000} s (does loading it keep the event loop alive?)`
            : `failed:\n${(r.stderr || r.error.message).trim()}`;
          return { error: `${how} ${why}` };
        }
        const lastLine = r.stdout.trim().split('\n').pop() ?? '';
        try {
          return { ...JSON.parse(lastLine), how };
        } catch {
          return { error: `${how} printed no result: ${r.stdout}${r.stderr}` };
        }
      }),
    );
  }
  return info.probes.get(key);
}

/** 'esm' | 'cjs' for a built JavaScript file, by extension and the nearest package.json "type". */
function formatOfFile(file) {
  if (file.endsWith('.mjs')) return 'esm';
  if (file.endsWith('.cjs')) return 'cjs';
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    const pj = path.join(d, 'package.json');
    if (existsSync(pj))
      return JSON.parse(readFileSync(pj, 'utf8')).type === 'module' ? 'esm' : 'cjs';
    if (path.dirname(d) === d) return 'cjs';
  }
}

function describeExports(map) {
  const names = Object.keys(map).sort();
  return names.length ? names.map((n) => `${n}: ${map[n]}`).join(', ') : '(none)';
}

// ---------------------------------------------------------------------------
// Checks: each returns a list of problems, empty when all is well.

/**
 * ESM import() and CJS require() of one subpath, each in a fresh process,
 * give the same export names with the same typeof.
 */
export async function checkRuntimeExports(info, subpath) {
  const problems = [];
  const [esm, cjs] = await Promise.all([probe(info, subpath, 'esm'), probe(info, subpath, 'cjs')]);
  for (const [format, r] of [
    ['esm', esm],
    ['cjs', cjs],
  ]) {
    if (r.error) {
      problems.push(r.error);
      continue;
    }
    const real = realpathSync(r.file);
    if (!real.startsWith(info.dir + path.sep)) {
      problems.push(`${r.how} resolved to ${real}, outside ${info.dir}`);
    }
    const actual = formatOfFile(real);
    if (actual !== format) {
      problems.push(
        `${r.how} resolved to ${path.relative(info.dir, real)}, which is ${actual.toUpperCase()}, not ${format.toUpperCase()}: check the "${format === 'esm' ? 'import' : 'require'}" condition of "exports"`,
      );
    }
  }
  if (!esm.error && !cjs.error) {
    const e = describeExports(esm.exports);
    const c = describeExports(cjs.exports);
    if (e !== c) {
      problems.push(
        `${info.name}${subpath.slice(1)}: ESM and CJS builds export different things\n  ESM: ${e}\n  CJS: ${c}`,
      );
    }
  }
  return problems;
}

/** The TypeScript settings a consumer may compile with; file extension decides ESM / CJS under node16. */
const TS_VARIANTS = [
  { name: 'node16 ESM', ext: '.mts', runtime: 'esm', module: 'Node16', moduleResolution: 'Node16' },
  { name: 'node16 CJS', ext: '.cts', runtime: 'cjs', module: 'Node16', moduleResolution: 'Node16' },
  { name: 'bundler', ext: '.ts', runtime: 'esm', module: 'ESNext', moduleResolution: 'Bundler' },
  { name: 'node10', ext: '.ts', runtime: 'cjs', module: 'CommonJS', moduleResolution: 'Node10' },
];

/**
 * Compiles a tiny consumer that imports every subpath, under each of
 * TS_VARIANTS, and expects no diagnostics in it or in any gocsp .d.ts it
 * reaches, and the declared values to match the runtime exports.
 */
export async function checkTypes(info, { variants = TS_VARIANTS.map((v) => v.name) } = {}) {
  const ts = requireFromRepo('typescript');
  const problems = [];
  const runtime = {};
  for (const format of ['esm', 'cjs']) {
    runtime[format] = {};
    for (const { subpath } of info.subpaths) {
      const r = await probe(info, subpath, format);
      if (!r.error) runtime[format][subpath] = r.exports;
    }
  }
  const workspacePackages = path.join(realpathSync(repoRoot), 'packages') + path.sep;
  const ownDir = realpathSync(info.dir) + path.sep;

  await withConsumer(info, async (dir) => {
    const realDir = realpathSync(dir);
    const source =
      info.subpaths.map((s, k) => `import * as m${k} from '${s.spec}';`).join('\n') +
      `\nexport const modules = [${info.subpaths.map((_, k) => `m${k}`).join(', ')}];\n`;
    for (const variant of TS_VARIANTS.filter((v) => variants.includes(v.name))) {
      const file = path.join(
        realDir,
        `consumer-${variant.name.replace(/\W+/g, '-')}${variant.ext}`,
      );
      writeFileSync(file, source);
      const options = {
        module: ts.ModuleKind[variant.module],
        moduleResolution: ts.ModuleResolutionKind[variant.moduleResolution],
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2024.d.ts'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        esModuleInterop: true,
        types: ['node'],
        typeRoots: [path.join(realDir, 'node_modules', '@types')],
      };
      const host = ts.createCompilerHost(options, true);
      host.getCurrentDirectory = () => realDir;
      const program = ts.createProgram({ rootNames: [file], options, host });
      // Only our files: the consumer and every .d.ts under packages/*/ (the
      // checked package and the gocsp packages its types import).
      const ours = program.getSourceFiles().filter((sf) => {
        if (sf.fileName === file) return true;
        const real = realpathSync(sf.fileName);
        return real.startsWith(workspacePackages) || real.startsWith(ownDir);
      });
      const diagnostics = [
        ...program.getOptionsDiagnostics(),
        ...program.getGlobalDiagnostics(),
        ...ours.flatMap((sf) => [
          ...program.getSyntacticDiagnostics(sf),
          ...program.getSemanticDiagnostics(sf),
        ]),
      ];
      if (diagnostics.length > 0) {
        const text = ts.formatDiagnostics(diagnostics, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => realDir,
          getNewLine: () => '\n',
        });
        problems.push(`types (${variant.name}, ${path.basename(file)}):\n${text.trim()}`);
        continue;
      }
      // Declared values against the runtime exports of the matching build.
      const checker = program.getTypeChecker();
      const consumer = program.getSourceFile(file);
      const imports = consumer.statements.filter(ts.isImportDeclaration);
      imports.forEach((decl, k) => {
        const { subpath, spec } = info.subpaths[k];
        const moduleSymbol = checker.getSymbolAtLocation(decl.moduleSpecifier);
        if (!moduleSymbol) {
          problems.push(`types (${variant.name}): '${spec}' resolves to no module`);
          return;
        }
        const declared = checker
          .getExportsOfModule(moduleSymbol)
          .filter((s) => {
            const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
            return (target.flags & ts.SymbolFlags.Value) !== 0;
          })
          .map((s) => s.name)
          .sort();
        const actual = runtime[variant.runtime][subpath];
        if (!actual) return; // the runtime check reports it
        const expected = Object.keys(actual).sort();
        if (declared.join(',') !== expected.join(',')) {
          const missing = expected.filter((n) => !declared.includes(n));
          const extra = declared.filter((n) => !expected.includes(n));
          problems.push(
            `types (${variant.name}): '${spec}' declares values that its ${variant.runtime.toUpperCase()} build does not match` +
              (missing.length ? `\n  exported but not declared: ${missing.join(', ')}` : '') +
              (extra.length ? `\n  declared but not exported: ${extra.join(', ')}` : ''),
          );
        }
      });
    }
  });
  return problems;
}

/**
 * publint on the package (files as `npm pack` would publish them), level
 * 'warning': every warning and error is a problem unless its code is in `ignore`.
 */
export async function checkPublint(info, { ignore = [] } = {}) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const { messages, pkg } = await publint({ pkgDir: info.dir, level: 'warning', pack: 'npm' });
  return messages
    .filter((m) => m.type !== 'suggestion' && !ignore.includes(m.code))
    .map((m) => `publint ${m.type} ${m.code}: ${formatMessage(m, pkg, { color: false }) ?? ''}`);
}

/**
 * Optional peer dependencies stay optional: the main entry "." loads (ESM and
 * CJS) with each of them unresolvable, and its built files (js, cjs, d.ts)
 * never name them.
 */
export async function checkOptionalPeers(info) {
  const problems = [];
  const peers = info.optionalPeers;
  if (peers.length === 0 || !info.subpaths.some((s) => s.subpath === '.')) return problems;
  for (const format of ['esm', 'cjs']) {
    const r = await probe(info, '.', format, { blocked: peers });
    if (r.error) {
      problems.push(`the main entry needs an optional peer: ${r.error}`);
      continue;
    }
    const notBlocked = peers.filter((p) => !r.stillBlocked.includes(p));
    if (notBlocked.length > 0) {
      problems.push(`${r.how}: the check could not make ${notBlocked.join(', ')} unresolvable`);
    }
    if (r.loaded?.length) {
      problems.push(`${r.how} loaded ${r.loaded.join(', ')}`);
    }
  }
  // Static: no file reachable from "." names a peer (tsup bundles each entry, so
  // the entry files are the whole main build).
  const mainFiles = new Set();
  const collect = (value) => {
    if (typeof value === 'string') mainFiles.add(path.join(info.dir, value));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  const exp = info.pkg.exports;
  collect(exp && typeof exp === 'object' && '.' in exp ? exp['.'] : exp);
  for (const field of ['main', 'module', 'types']) collect(info.pkg[field]);
  for (const file of mainFiles) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const peer of peers) {
      const escaped = peer.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      const re = new RegExp(
        `(from\\s*|import\\s*\\(?\\s*|require\\s*\\(\\s*)(['"])${escaped}(/[^'"]*)?\\2`,
      );
      if (re.test(text)) {
        problems.push(
          `${path.relative(info.dir, file)} (main entry) imports the optional peer '${peer}'; only a subpath entry may`,
        );
      }
    }
  }
  return problems;
}

/**
 * Every packaging check of a package, as named cases for a test runner.
 *
 * @example
 *   for (const c of packagingChecks(new URL('..', import.meta.url))) {
 *     it(c.name, async () => expect(await c.run()).toEqual([]));
 *   }
 */
/**
 * What a registry page and `npm pack` need: an MIT LICENSE file that is
 * published (in "files"), and repository, homepage, bugs and keywords.
 */
export function checkMetadata(info) {
  const problems = [];
  const { pkg, dir } = info;
  if (pkg.license !== 'MIT')
    problems.push(`"license" is ${JSON.stringify(pkg.license)}, not "MIT"`);
  const license = path.join(dir, 'LICENSE');
  if (!existsSync(license)) problems.push('no LICENSE file in the package directory');
  else if (!/^MIT License/.test(readFileSync(license, 'utf8')))
    problems.push('LICENSE is not the MIT license text');
  if (!Array.isArray(pkg.files) || !pkg.files.includes('LICENSE'))
    problems.push('"files" does not publish LICENSE');
  if (typeof pkg.repository?.url !== 'string') problems.push('no "repository" url');
  if (typeof pkg.homepage !== 'string') problems.push('no "homepage"');
  if (typeof pkg.bugs?.url !== 'string') problems.push('no "bugs" url');
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0) problems.push('no "keywords"');
  return problems;
}

/**
 * The ESM build bundlers get (the "module" condition) exports what Node's ESM
 * entry exports: bundled with esbuild for each subpath, in a fresh process.
 */
export async function checkBundlerBuild(info, subpath) {
  const esbuild = requireFromRepo('esbuild');
  const node = await probe(info, subpath, 'esm');
  if (node.error) return []; // checkRuntimeExports reports it
  return withConsumer(info, async (dir) => {
    const spec = info.subpaths.find((s) => s.subpath === subpath)?.spec ?? info.name;
    const entry = path.join(dir, 'entry.mjs');
    writeFileSync(
      entry,
      `import * as ns from '${spec}';\nconst exports = {};\nfor (const k of Object.keys(ns)) exports[k] = typeof ns[k];\nconsole.log(JSON.stringify(exports));\n`,
    );
    const out = path.join(dir, 'bundle.mjs');
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      logLevel: 'silent',
      nodePaths: [path.join(dir, 'node_modules')],
      // Dependencies that are CommonJS (the NATS client) may require Node
      // builtins: give the ESM bundle a require, as users of esbuild do.
      banner: {
        js: "import { createRequire as __gocspCreateRequire } from 'node:module'; const require = __gocspCreateRequire(import.meta.url);",
      },
    });
    const r = await run([out], dir);
    if (r.error)
      return [
        `a bundle of '${spec}' (esbuild, "module" condition) failed to load: ${r.stderr || r.error.message}`,
      ];
    const bundled = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    const b = describeExports(bundled);
    const n = describeExports(node.exports);
    return b === n
      ? []
      : [
          `'${spec}': the bundlers' ESM build exports differ from Node's\n  bundled: ${b}\n  node: ${n}`,
        ];
  });
}

export function packagingChecks(pkgDir, options = {}) {
  const info = loadPackage(pkgDir);
  const cases = info.subpaths.map(({ subpath, spec }) => ({
    name: `'${spec}': import() of the ESM build and require() of the CJS build give the same exports`,
    run: () => checkRuntimeExports(info, subpath),
  }));
  cases.push({
    name: `.d.ts resolve and type-check for every subpath (${(options.variants ?? TS_VARIANTS.map((v) => v.name)).join(', ')})`,
    run: () => checkTypes(info, options),
  });
  for (const { subpath, spec } of info.subpaths) {
    cases.push({
      name: `'${spec}': a bundle made by esbuild (the "module" build) exports the same as Node's ESM entry`,
      run: () => checkBundlerBuild(info, subpath),
    });
  }
  cases.push({ name: 'publint: no warnings or errors', run: () => checkPublint(info, options) });
  cases.push({
    name: 'metadata: MIT LICENSE published; repository, homepage, bugs, keywords',
    run: () => checkMetadata(info),
  });
  if (info.optionalPeers.length > 0) {
    cases.push({
      name: `the main entry loads without its optional peers (${info.optionalPeers.join(', ')})`,
      run: () => checkOptionalPeers(info),
    });
  }
  return cases;
}

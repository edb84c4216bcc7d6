#!/usr/bin/env node
// check-graph: enforces the package graph of docs/ARCHITECTURE.md on the source tree.
//
//   node tools/check-graph.mjs [repo-root]     (default: the repo holding this file)
//
// Exit 0 and one summary line when the graph holds; exit 1 and one line per
// problem (file:line, the import, the rule it breaks) when it does not.
//
// Rules, for every workspace listed in the root package.json:
//   1. @gocsp/core has no dependencies (dependencies, peerDependencies,
//      optionalDependencies) and its src imports only node builtins and
//      relative files.
//   2. Package edges: only those in PACKAGE_EDGES below; apps (apps/*) may use
//      every library package, and no library may use an app.
//   3. Every bare import in a library's src is declared in its package.json
//      (dependencies / peerDependencies / optionalDependencies); apps must
//      declare the @gocsp packages they use (third-party tools come from the
//      root devDependencies).
//   4. An optional peer (rxjs) is imported only by the files listed for it in
//      OPTIONAL_PEER_FILES, so the main entry never loads it.
//   5. No deep imports: `@gocsp/x/sub` only where `./sub` is a key of x's
//      "exports"; an internal subpath (INTERNAL_SUBPATHS: `@gocsp/core/internal`)
//      only from the workspaces listed for it; no relative path leaving the
//      package (another package's src, src/internal, dist), except an app's
//      import of the repo's dev tools (tools/).
//   6. No cycles between packages (declared deps, devDependencies included,
//      plus actual imports) and none between the files of one package.
//
// How imports are found: a small tokenizer (comments and template literals
// skipped, string literals kept whole, regex literals guessed from the previous
// token) and a scan for `import ... from 's'`, `import 's'`, `export ... from
// 's'`, `import('s')`, `require('s')`. A regex over raw text was rejected: it
// matches imports inside strings and comments (error messages, generated
// worker source). Type-only imports (`import type`, `export type ... from`,
// `typeof import('x')`) obey rules 1-5 - the .d.ts files carry them to users -
// but are left out of the file-cycle check of rule 6, since they are erased.
// Relative `.js` specifiers resolve to the `.ts` source (TS's node16 rule).
//
// No dependencies, no TypeScript: it must run in well under a second.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Allowed @gocsp edges between library packages (docs/ARCHITECTURE.md, "Package graph"). */
const PACKAGE_EDGES = {
  '@gocsp/core': [],
  '@gocsp/channels': ['@gocsp/core'],
  '@gocsp/sync': ['@gocsp/core'],
  '@gocsp/patterns': ['@gocsp/core', '@gocsp/channels', '@gocsp/sync'],
  // Its third-party imports (@nats-io/transport-node, @nats-io/jetstream) are
  // peer dependencies: rule 3 checks that they are declared.
  '@gocsp/nats': ['@gocsp/core', '@gocsp/channels', '@gocsp/patterns'],
};

/**
 * Internal subpaths: exported so that gocsp's own packages can share one copy
 * of them, but not public API. Only the listed workspaces may import them
 * (the benchmarks measure internals; the examples are user code and may not).
 */
const INTERNAL_SUBPATHS = {
  '@gocsp/core': {
    subs: ['internal'],
    importers: ['@gocsp/channels', '@gocsp/sync', '@gocsp/patterns', '@gocsp/nats', '@gocsp/bench'],
  },
};

/** Optional peers: which package may import them, and from which src files only. */
const OPTIONAL_PEER_FILES = {
  rxjs: { pkg: '@gocsp/patterns', files: [/^src\/rxjs\.ts$/, /^src\/internal\/rxjs[^/]*(\/.*)?$/] },
};

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const BUILTINS = new Set(builtinModules);

// ---------------------------------------------------------------------------
// Tokenizer

/**
 * Splits JS/TS source into tokens `{ t: 'id' | 'str' | 'punct', v, line }`,
 * dropping comments, template literals (with their `${}` parts), regex
 * literals and numbers.
 */
export function tokenize(src) {
  const tokens = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const isIdStart = (c) => /[A-Za-z_$\u0080-\uffff]/.test(c);
  const isId = (c) => /[\w$\u0080-\uffff]/.test(c);

  const regexAllowed = () => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.t === 'str') return false;
    if (prev.t === 'id') {
      return /^(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/.test(
        prev.v,
      );
    }
    return !/^([)\]}`0]|\/re\/)$/.test(prev.v);
  };

  const skipString = (quote) => {
    // i is at the opening quote; returns the decoded-enough value.
    let v = '';
    i++;
    while (i < n && src[i] !== quote) {
      if (src[i] === '\\') {
        v += src[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (src[i] === '\n') return v; // unterminated: stop at the line end
      v += src[i++];
    }
    i++;
    return v;
  };

  const skipTemplate = () => {
    // i is at the opening backtick.
    i++;
    while (i < n) {
      const c = src[i];
      if (c === '\\') {
        i += 2;
      } else if (c === '`') {
        i++;
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        skipBraces();
      } else {
        if (c === '\n') line++;
        i++;
      }
    }
  };

  const skipBraces = () => {
    // Inside `${ ... }`: skip to the matching brace, minding nested code.
    let depth = 1;
    while (i < n && depth > 0) {
      const c = src[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      if (c === '\n') line++;
      if (c === '`') {
        skipTemplate();
        continue;
      }
      if (c === '"' || c === "'") {
        skipString(c);
        continue;
      }
      if (c === '/' && src[i + 1] === '/') {
        while (i < n && src[i] !== '\n') i++;
        continue;
      }
      if (c === '/' && src[i + 1] === '*') {
        const end = src.indexOf('*/', i + 2);
        const stop = end < 0 ? n : end + 2;
        for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
        i = stop;
        continue;
      }
      i++;
    }
  };

  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      const at = line;
      tokens.push({ t: 'str', v: skipString(c), line: at });
    } else if (c === '`') {
      skipTemplate();
      tokens.push({ t: 'punct', v: '`', line });
    } else if (c === '/' && regexAllowed()) {
      // Regex literal: skip it, minding character classes and escapes.
      i++;
      let inClass = false;
      while (i < n && src[i] !== '\n') {
        const d = src[i];
        if (d === '\\') i++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < n && isId(src[i])) i++;
      tokens.push({ t: 'punct', v: '/re/', line });
    } else if (isIdStart(c)) {
      const start = i;
      while (i < n && isId(src[i])) i++;
      tokens.push({ t: 'id', v: src.slice(start, i), line });
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[\w.]/.test(src[i])) i++;
      tokens.push({ t: 'punct', v: '0', line });
    } else {
      tokens.push({ t: 'punct', v: c, line });
      i++;
    }
  }
  return tokens;
}

/**
 * Finds the module specifiers a source file uses.
 * Returns `[{ spec, line, typeOnly, kind }]`, kind = 'static' | 'dynamic' | 'require'.
 */
export function findImports(src) {
  const tk = tokenize(src);
  const out = [];
  const at = (k) => tk[k] ?? { t: 'eof', v: '', line: 0 };
  for (let k = 0; k < tk.length; k++) {
    const tok = tk[k];
    if (tok.t !== 'id') continue;
    const prev = at(k - 1);
    if (prev.v === '.') continue; // obj.import / obj.require
    if (tok.v === 'import') {
      const next = at(k + 1);
      if (next.v === '.') continue; // import.meta
      if (next.v === '(') {
        if (at(k + 2).t === 'str' && /^[),]$/.test(at(k + 3).v)) {
          const typeOnly = prev.v === 'typeof' || prev.v === ':';
          out.push({ spec: at(k + 2).v, line: tok.line, typeOnly, kind: 'dynamic' });
        }
        continue;
      }
      if (next.t === 'str') {
        out.push({ spec: next.v, line: tok.line, typeOnly: false, kind: 'static' });
        continue;
      }
      // import [type] clause from 'x'  |  import x = require('x')
      const typeOnly =
        next.v === 'type' && (at(k + 2).t === 'id' || at(k + 2).v === '{' || at(k + 2).v === '*')
          ? at(k + 2).v !== 'from'
          : false;
      const found = scanFrom(tk, k + 1);
      if (found) out.push({ spec: found.spec, line: tok.line, typeOnly, kind: 'static' });
    } else if (tok.v === 'export') {
      let j = k + 1;
      let typeOnly = false;
      if (at(j).v === 'type' && (at(j + 1).v === '{' || at(j + 1).v === '*')) {
        typeOnly = true;
        j++;
      }
      if (at(j).v !== '{' && at(j).v !== '*') continue; // export const / default / function ...
      const found = scanFrom(tk, j);
      if (found) out.push({ spec: found.spec, line: tok.line, typeOnly, kind: 'static' });
    } else if (tok.v === 'require') {
      if (at(k + 1).v === '(' && at(k + 2).t === 'str' && at(k + 3).v === ')') {
        out.push({ spec: at(k + 2).v, line: tok.line, typeOnly: false, kind: 'require' });
      }
    }
  }
  return out;
}

/** From token j, finds `from 'spec'` before the statement ends; null if none. */
function scanFrom(tk, j) {
  let depth = 0;
  for (let k = j; k < tk.length && k < j + 2000; k++) {
    const tok = tk[k];
    if (tok.v === '{') depth++;
    else if (tok.v === '}') {
      depth--;
      if (depth < 0) return null;
    } else if (depth === 0 && (tok.v === ';' || tok.v === '=' || tok.v === '(')) return null;
    else if (depth === 0 && tok.t === 'id' && tok.v === 'from' && tk[k + 1]?.t === 'str') {
      return { spec: tk[k + 1].v };
    } else if (depth === 0 && tok.t === 'id' && k > j && /^(import|export)$/.test(tok.v)) {
      return null;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// Workspace discovery

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function listWorkspaces(root) {
  const rootPkg = readJson(path.join(root, 'package.json'));
  const patterns = Array.isArray(rootPkg.workspaces)
    ? rootPkg.workspaces
    : (rootPkg.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const base = path.join(root, pattern.slice(0, -2));
      if (!existsSync(base)) continue;
      for (const entry of readdirSync(base, { withFileTypes: true }).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        if (entry.isDirectory()) dirs.push(path.join(base, entry.name));
      }
    } else {
      dirs.push(path.join(root, pattern));
    }
  }
  const workspaces = [];
  for (const dir of dirs) {
    const pkgFile = path.join(dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = readJson(pkgFile);
    const rel = path.relative(root, dir).split(path.sep).join('/');
    workspaces.push({
      name: pkg.name,
      dir,
      rel,
      pkg,
      isApp: rel.startsWith('apps/'),
      files: [],
    });
  }
  return workspaces;
}

function listSourceFiles(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

/** `@scope/name/sub/path` -> `@scope/name`; `rxjs/operators` -> `rxjs`. */
function packageNameOf(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(spec) {
  return spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(packageNameOf(spec));
}

/** Resolves a relative specifier to a file on disk, TS-style; null if none. */
function resolveRelative(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [];
  const ext = path.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  if (ext === '.js' || ext === '.jsx') candidates.push(stem + '.ts', stem + '.tsx', base);
  else if (ext === '.mjs') candidates.push(stem + '.mts', base);
  else if (ext === '.cjs') candidates.push(stem + '.cts', base);
  else if (ext === '.ts' || ext === '.tsx' || ext === '.mts' || ext === '.cts' || ext === '.json')
    candidates.push(base);
  else {
    candidates.push(base + '.ts', base + '.tsx', base + '.js', base);
  }
  candidates.push(path.join(base, 'index.ts'), path.join(base, 'index.js'));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      // not this one
    }
  }
  return null;
}

/** Does `subpath` (e.g. './rxjs') match a key of an "exports" map? */
function isExportedSubpath(pkg, subpath) {
  const exp = pkg.exports;
  if (exp === undefined) return subpath === '.';
  if (typeof exp === 'string' || Array.isArray(exp)) return subpath === '.';
  const keys = Object.keys(exp);
  if (!keys.some((key) => key.startsWith('.'))) return subpath === '.'; // conditions only
  return keys.some((key) => {
    if (key === subpath) return true;
    const star = key.indexOf('*');
    if (star < 0) return false;
    return subpath.startsWith(key.slice(0, star)) && subpath.endsWith(key.slice(star + 1));
  });
}

function declaredDeps(pkg, { dev = false } = {}) {
  return new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
    ...(dev ? Object.keys(pkg.devDependencies ?? {}) : []),
  ]);
}

// ---------------------------------------------------------------------------
// Cycles

/** Finds cycles in a directed graph (Map node -> Map next -> edge info); one per SCC. */
function findCycles(graph) {
  // Tarjan's SCC, then one concrete cycle through each non-trivial component.
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const sccs = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of (graph.get(v) ?? new Map()).keys()) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), idx.get(w)));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      const selfLoop = comp.length === 1 && graph.get(v)?.has(v);
      if (comp.length > 1 || selfLoop) sccs.push(new Set(comp));
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);

  return sccs.map((comp) => {
    // BFS inside the component from its smallest node back to itself.
    const start = [...comp].sort()[0];
    const prevOf = new Map();
    const queue = [start];
    const seen = new Set([start]);
    while (queue.length) {
      const v = queue.shift();
      for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
        if (!comp.has(w)) continue;
        if (w === start) {
          const cyc = [start];
          for (let u = v; u !== start; u = prevOf.get(u)) cyc.splice(1, 0, u);
          cyc.push(start);
          return cyc.map((node, k) => ({
            node,
            edge: k > 0 ? graph.get(cyc[k - 1]).get(node) : null,
          }));
        }
        if (!seen.has(w)) {
          seen.add(w);
          prevOf.set(w, v);
          queue.push(w);
        }
      }
    }
    return [];
  });
}

// ---------------------------------------------------------------------------
// The check

/**
 * Checks the package graph of the repository at `root`.
 * Returns `{ problems: string[], workspaces: number, files: number }`.
 */
export function checkGraph(root) {
  const problems = [];
  const workspaces = listWorkspaces(root);
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const relOf = (file) => path.relative(root, file).split(path.sep).join('/');
  const problem = (file, line, msg) =>
    problems.push(`${relOf(file)}${line ? `:${line}` : ''}: ${msg}`);
  let fileCount = 0;

  // Package-level graph: name -> Map(name -> description of the first edge).
  const pkgGraph = new Map(workspaces.map((w) => [w.name, new Map()]));
  const addPkgEdge = (from, to, why) => {
    if (!pkgGraph.get(from).has(to)) pkgGraph.get(from).set(to, why);
  };

  for (const ws of workspaces) {
    const pkgFile = path.join(ws.dir, 'package.json');
    const libs = Object.keys(PACKAGE_EDGES);
    if (!ws.isApp && !(ws.name in PACKAGE_EDGES)) {
      problem(
        pkgFile,
        0,
        `${ws.name} is not in the package graph; add it to PACKAGE_EDGES in tools/check-graph.mjs and to the graph in docs/ARCHITECTURE.md`,
      );
    }
    const allowed = ws.isApp ? libs : (PACKAGE_EDGES[ws.name] ?? []);

    // Declared dependencies.
    if (ws.name === '@gocsp/core') {
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        const names = Object.keys(ws.pkg[field] ?? {});
        if (names.length > 0) {
          problem(
            pkgFile,
            0,
            `@gocsp/core must have no runtime dependencies, but its "${field}" lists ${names.join(', ')}`,
          );
        }
      }
    }
    for (const field of [
      'dependencies',
      'peerDependencies',
      'optionalDependencies',
      'devDependencies',
    ]) {
      for (const dep of Object.keys(ws.pkg[field] ?? {})) {
        if (!byName.has(dep)) continue;
        addPkgEdge(ws.name, dep, `package.json "${field}"`);
        if (field !== 'devDependencies' && !allowed.includes(dep) && ws.name !== '@gocsp/core') {
          problem(
            pkgFile,
            0,
            `"${field}" lists ${dep}, but ${ws.name} may depend only on ${allowed.join(', ') || 'nothing'} (docs/ARCHITECTURE.md package graph)`,
          );
        }
      }
    }
    const declared = declaredDeps(ws.pkg);

    // Source files.
    const srcDir = path.join(ws.dir, 'src');
    const files = listSourceFiles(srcDir);
    fileCount += files.length;
    const fileGraph = new Map(files.map((f) => [f, new Map()]));
    for (const file of files) {
      const relInPkg = path.relative(ws.dir, file).split(path.sep).join('/');
      let imports;
      try {
        imports = findImports(readFileSync(file, 'utf8'));
      } catch (err) {
        problem(file, 0, `could not be read: ${err.message}`);
        continue;
      }
      for (const imp of imports) {
        const { spec, line } = imp;
        const shown = `imports '${spec}'`;
        if (spec.startsWith('.') || spec.startsWith('/')) {
          const target = resolveRelative(file, spec);
          if (!target) {
            problem(file, line, `${shown}, which does not resolve to a file`);
            continue;
          }
          const relToPkg = path.relative(ws.dir, target);
          // Apps (private, never published) may use the repo's dev tools (tools/).
          if (ws.isApp && target.startsWith(path.join(root, 'tools') + path.sep)) continue;
          if (relToPkg.startsWith('..') || path.isAbsolute(relToPkg)) {
            const owner = workspaces.find((w) => target.startsWith(w.dir + path.sep));
            const what = owner ? `a file of ${owner.name}` : 'a file outside the package';
            const internal = /[\\/]src[\\/]internal[\\/]/.test(target) ? ' (its src/internal)' : '';
            problem(
              file,
              line,
              `${shown}, ${what}${internal}: import ${owner && !owner.isApp ? `'${owner.name}'` : 'a package'} by its public name instead`,
            );
            continue;
          }
          if (fileGraph.has(target) && !imp.typeOnly) {
            if (!fileGraph.get(file).has(target)) {
              fileGraph.get(file).set(target, { line, spec });
            }
          }
          continue;
        }
        if (isBuiltin(spec)) continue;

        const dep = packageNameOf(spec);
        const sub = spec.slice(dep.length); // '' or '/x/y'
        if (ws.name === '@gocsp/core') {
          problem(
            file,
            line,
            `${shown}: @gocsp/core may import only node: builtins and relative files (no dependencies: docs/ARCHITECTURE.md)`,
          );
          continue;
        }
        if (dep === ws.name) {
          problem(
            file,
            line,
            `${shown}: a package imports its own files relatively, not by its name`,
          );
          continue;
        }
        const peer = OPTIONAL_PEER_FILES[dep];
        if (
          peer &&
          (ws.isApp ? false : ws.name !== peer.pkg || !peer.files.some((re) => re.test(relInPkg)))
        ) {
          const where =
            ws.name === peer.pkg
              ? `only ${peer.files.map((re) => re.source.replace(/\\/g, '').replace(/^\^|\$$/g, '')).join(' or ')} of ${peer.pkg} may import it`
              : `only ${peer.pkg} may import it`;
          problem(
            file,
            line,
            `${shown}: ${dep} is an optional peer dependency; ${where}, so the main entry never loads it`,
          );
          continue;
        }
        const target = byName.get(dep);
        if (target) {
          if (target.isApp) {
            problem(file, line, `${shown}: ${dep} is an app; nothing may depend on an app`);
            continue;
          }
          if (!allowed.includes(dep)) {
            problem(
              file,
              line,
              `${shown}: ${ws.name} may depend only on ${allowed.join(', ') || 'nothing'} (docs/ARCHITECTURE.md package graph)`,
            );
          }
          addPkgEdge(ws.name, dep, `${relOf(file)}:${line}`);
          const internalSub = INTERNAL_SUBPATHS[dep];
          if (sub && internalSub?.subs.includes(sub.replace(/^\//, ''))) {
            if (!internalSub.importers.includes(ws.name)) {
              problem(
                file,
                line,
                `${shown}: '${dep}${sub}' is gocsp's internal substrate, not public API; only ${internalSub.importers.join(', ')} may import it`,
              );
            }
          } else if (sub) {
            if (
              /(^|\/)(src|internal|dist)(\/|$)/.test(sub) ||
              !isExportedSubpath(target.pkg, '.' + sub)
            ) {
              const internal = /(^|\/)internal(\/|$)/.test(sub)
                ? `${dep}'s internals are private; `
                : '';
              problem(
                file,
                line,
                `${shown}: deep import; ${internal}'.${sub}' is not an "exports" subpath of ${dep}`,
              );
            }
          }
          if (!declared.has(dep)) {
            problem(
              file,
              line,
              `${shown}, but ${dep} is not in ${ws.rel}/package.json "dependencies"`,
            );
          }
          continue;
        }
        if (dep.startsWith('@gocsp/')) {
          problem(file, line, `${shown}: there is no workspace package ${dep}`);
          continue;
        }
        if (!ws.isApp && !declared.has(dep)) {
          problem(
            file,
            line,
            `${shown}, but ${dep} is not declared in ${ws.rel}/package.json (dependencies or peerDependencies)`,
          );
        }
      }
    }

    for (const cycle of findCycles(fileGraph)) {
      const chain = cycle.map((c) => path.relative(ws.dir, c.node).split(path.sep).join('/'));
      const edges = cycle
        .slice(1)
        .map((c, k) => `${chain[k]}:${c.edge.line} imports '${c.edge.spec}'`)
        .join('; ');
      problems.push(
        `${ws.rel}: import cycle between files of ${ws.name}: ${chain.join(' -> ')} (${edges})`,
      );
    }
  }

  for (const cycle of findCycles(pkgGraph)) {
    const chain = cycle.map((c) => c.node);
    const edges = cycle
      .slice(1)
      .map((c, k) => `${chain[k]} -> ${c.node} via ${c.edge}`)
      .join('; ');
    problems.push(`package cycle: ${chain.join(' -> ')} (${edges})`);
  }

  return { problems, workspaces: workspaces.length, files: fileCount };
}

// ---------------------------------------------------------------------------
// CLI

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const started = performance.now();
  const root = path.resolve(
    process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
  );
  let result;
  try {
    result = checkGraph(root);
  } catch (err) {
    console.error(`check-graph: could not check ${root}: ${err.stack ?? err}`);
    process.exit(2);
  }
  const ms = (performance.now() - started).toFixed(0);
  if (result.problems.length > 0) {
    console.error(
      `check-graph: ${result.problems.length} problem(s) with the package graph (see docs/ARCHITECTURE.md):`,
    );
    for (const p of result.problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(
    `check-graph: ok - ${result.workspaces} workspaces, ${result.files} source files, no forbidden imports or cycles (${ms} ms)`,
  );
}

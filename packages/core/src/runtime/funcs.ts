/**
 * Goroutine functions: how a function crosses to a worker thread.
 *
 * Two kinds, both named by a key string kept in the scheduler's function
 * table (sched.ts, SC_FUNC_DIR): an index into the table is what a G carries.
 *
 * - `src:<source>`: a self-contained inline function, shipped by its source
 *   text and compiled once per worker (indirect eval, so it sees only its
 *   parameters and globals). A variable it captured from its defining scope
 *   does not exist on the worker: the ReferenceError that follows is turned
 *   into an error that names the variable and says to pass it as an argument.
 * - `mod:<url>#<name>`: an exported function of a task module, imported once
 *   per worker (`taskModule`).
 *
 * Each thread caches key -> index (so registering is one Map lookup after the
 * first time) and each worker caches index -> compiled function.
 *
 * Call sites (the goroutine dump, `created by` in panics): when a thread
 * registers a function (its first go()/spawn() of it), it captures the
 * stack once and stores, beside the key, where that call is (`Site`: the
 * creator's name and file:line:col) and, for an inline function, where the
 * function's text is in its file (internal/callsite.ts `placeFunction`). A
 * worker compiles the source padded to that line and column with a
 * `//# sourceURL` naming the file (and the file's source map), so the
 * goroutine's frames - in panics, in the dump - name the user's file and
 * line instead of `eval ... <anonymous>:1:24`; still compiled once per
 * table entry. Measured (sched-spawn-local, see the core README): a stack
 * capture on every go() would cost several times the spawn itself, so
 * `createdBy` is the site of the function's first go() on the registering
 * thread, not of each go(). Stored as `"@" + JSON(site) + "\n" + key` (keys
 * start with `src:` or `mod:`, and JSON text has no raw line break).
 */
import { shown } from '../internal/shown.js';
import { pathToFileURL } from 'node:url';
import { CapacityError } from '../errors.js';
import {
  TRACEBACK_OFF,
  capture,
  framesOf,
  functionName,
  locate,
  placeFunction,
  userFrame,
  type Placement,
} from '../internal/callsite.js';
import { storeValue } from '../internal/values.js';
import type { Sched } from './sched.js';
import { FUNC_CHUNK, FUNC_CHUNKS, SC_FUNCS, SC_FUNC_DIR } from './sched.js';
import { allocBlock } from '../internal/heap.js';

const TASK_REF = Symbol.for('gocsp.taskRef');
const TASK_KEY = '__gocspTask__';
interface TaskTarget {
  readonly url: string;
  readonly name: string;
}

/** Any function a goroutine can run. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- goroutine functions take and return anything cloneable
export type AnyFn = (...args: any[]) => unknown;

/**
 * A reference to an exported function of a task module, usable wherever a
 * goroutine function is (`go`, `spawn`): it carries the function's type, so
 * arguments and result are checked.
 */
export interface TaskRef<F extends AnyFn> {
  readonly [TASK_REF]: { readonly url: string; readonly name: string };
  /** Phantom: the referenced function's type. */
  readonly __fn?: F;
}

/** The exported functions of module type M, as task references. */
export type TaskRefs<M> = {
  readonly [K in keyof M as M[K] extends AnyFn ? K : never]: M[K] extends AnyFn
    ? TaskRef<M[K]>
    : never;
};

/**
 * Typed references to a module's exported functions, to run as goroutines.
 * The module is imported once per worker thread, on first use.
 *
 * @example
 * ```ts
 * // tasks.ts: export function heavyWork(n: number): number { ... }
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * const r = await spawn(tasks.heavyWork, 1e7); // r: number
 * ```
 */
export function taskModule<M>(url: string | URL): TaskRefs<M> {
  const href = normalizeUrl(url);
  const refs = new Map<string, TaskRef<AnyFn>>();
  return new Proxy({} as TaskRefs<M>, {
    get(_t, name) {
      if (typeof name !== 'string') return undefined;
      let r = refs.get(name);
      if (r === undefined) {
        const target = Object.freeze({ url: href, name });
        // The string key survives structured clone, so a reference passed
        // as a goroutine argument still works there.
        r = Object.freeze({ [TASK_REF]: target, [TASK_KEY]: target });
        refs.set(name, r);
      }
      return r;
    },
  });
}

function normalizeUrl(url: string | URL): string {
  if (url instanceof URL) return url.href;
  if (typeof url !== 'string' || url === '') {
    throw new TypeError(
      'taskModule(url): pass the module as a URL or file path, e.g. new URL("./tasks.js", import.meta.url)',
    );
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[a-z]:[\\/]/i.test(url)) return url;
  return pathToFileURL(url).href;
}

export function isTaskRef(f: unknown): f is TaskRef<AnyFn> {
  return typeof f === 'object' && f !== null && (TASK_REF in f || TASK_KEY in f);
}

/** The table key of a goroutine function; throws a TypeError for anything else. */
export function keyOf(fn: unknown, what = 'go'): string {
  if (typeof fn === 'function') {
    const src = Function.prototype.toString.call(fn);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
      const bound = /^bound(\s|$)/.test(fn.name);
      const inner = fn.name.replace(/^bound\s*/, '');
      throw new TypeError(
        bound
          ? `${what}: the goroutine function is a bound function${inner ? ` (${inner}.bind(...))` : ''}, whose source cannot be shipped to a worker: pass what you bound as arguments instead - ${what}((x) => work(x), x) with work defined inside - or use taskModule`
          : `${what}: the goroutine function ${inner || '(anonymous)'} is a native function, whose source cannot be shipped to a worker: wrap it - ${what}((x) => f(x), x) - or use taskModule`,
      );
    }
    return 'src:' + src;
  }
  if (isTaskRef(fn)) {
    const rec = fn as unknown as { [TASK_REF]?: TaskTarget; [TASK_KEY]?: TaskTarget };
    const t = (rec[TASK_REF] ?? rec[TASK_KEY])!;
    return `mod:${t.url}#${t.name}`;
  }
  throw new TypeError(`${what}: expected a function or a taskModule reference, got ${shown(fn)}`);
}

/** Per-thread cache: world id + sched address + key -> table index. */
const indexCache = new Map<string, number>();

/** Table index of goroutine function `fn` (a function or a TaskRef); cached per function object. */
export function fnIndexOf(sc: Sched, fn: unknown, what = 'go'): number {
  if (typeof fn === 'function' || (typeof fn === 'object' && fn !== null)) {
    const hit = sc.fnIndex.get(fn);
    if (hit !== undefined) return hit;
  }
  const idx = funcIndex(sc, keyOf(fn, what), true, typeof fn === 'function' ? fn.name : undefined);
  sc.fnIndex.set(fn as object, idx);
  return idx;
}

/**
 * Where a goroutine function was first started from on the registering
 * thread, and where an inline one is written (see the file header).
 */
export interface Site {
  /** The creator: the function that called go()/spawn() ('main' for the main thread's top level). */
  by: string;
  /** Its file:line:col, source-mapped when Node has a map. */
  at: string;
  /** Where an inline function's text starts, to compile it there. */
  place?: Placement;
  /** The function's name where its text does not say it (`const worker = async () => ...`). */
  name?: string;
}

/** The call site of the registering go()/spawn() (the first user frame), or undefined. */
function captureSite(key: string, name: string | undefined): Site | undefined {
  if (TRACEBACK_OFF) return undefined;
  try {
    const c = userFrame(framesOf(capture({})));
    if (c === undefined) return undefined;
    const site: Site = { by: functionName(c), at: locate(c) };
    if (name && key.startsWith('src:') && nameOf(key.slice(4)) === 'anonymous') site.name = name;
    if (key.startsWith('src:')) {
      const place = placeFunction(c, key.slice(4));
      if (place !== undefined) site.place = place;
    }
    return site;
  } catch {
    return undefined; // a diagnostic must never break a go()
  }
}

/**
 * Table index of `key`, registering it on first use (with its call site if
 * `withSite`; `name`: the function's own name, for the dump).
 */
export function funcIndex(sc: Sched, key: string, withSite = false, name?: string): number {
  const ck = `${sc.world.id}:${sc.s}:${key}`;
  const hit = indexCache.get(ck);
  if (hit !== undefined) return hit;
  const site = withSite ? captureSite(key, name) : undefined;
  const bytes = new TextEncoder().encode(
    site === undefined ? key : `@${JSON.stringify(site)}\n${key}`,
  );
  const v = storeValue(sc.world, bytes);
  const i32 = sc.i32;
  sc.lock();
  let idx: number;
  try {
    idx = i32[sc.s + SC_FUNCS]!;
    const chunk = Math.floor(idx / FUNC_CHUNK);
    if (chunk >= FUNC_CHUNKS) {
      throw new CapacityError(
        `more than ${FUNC_CHUNKS * FUNC_CHUNK} distinct goroutine functions: create functions once (module level) instead of building new source each call`,
      );
    }
    let dir = i32[sc.s + SC_FUNC_DIR + chunk]!;
    if (dir === 0) {
      dir = allocBlock(sc.world, 7); // 1024 words
      i32[sc.s + SC_FUNC_DIR + chunk] = dir;
    }
    i32[dir + (idx % FUNC_CHUNK)] = v;
    Atomics.store(i32, sc.s + SC_FUNCS, idx + 1);
  } finally {
    sc.unlock();
  }
  indexCache.set(ck, idx);
  return idx;
}

/** The key and site stored at table index `idx`. */
function entryOf(sc: Sched, idx: number): Entry {
  const ck = `${sc.world.id}:${sc.s}:${idx}`;
  let e = entryCache.get(ck);
  if (e !== undefined) return e;
  const i32 = sc.i32;
  // A dump reads G words racily: an index from a G freed meanwhile is not trusted.
  if (!Number.isInteger(idx) || idx < 0 || idx >= Atomics.load(i32, sc.s + SC_FUNCS)) {
    return { key: '', site: undefined, label: '?' };
  }
  const dir = Atomics.load(i32, sc.s + SC_FUNC_DIR + Math.floor(idx / FUNC_CHUNK));
  const text = readString(sc, i32[dir + (idx % FUNC_CHUNK)]!);
  const nl = text.startsWith('@') ? text.indexOf('\n') : -1;
  const key = nl < 0 ? text : text.slice(nl + 1);
  let site: Site | undefined;
  try {
    site = nl < 0 ? undefined : (JSON.parse(text.slice(1, nl)) as Site);
  } catch {
    site = undefined;
  }
  e = { key, site, label: site?.name ?? labelOfKey(key) };
  entryCache.set(ck, e);
  return e;
}

interface Entry {
  key: string;
  site: Site | undefined;
  label: string;
}

/** Per-thread cache of parsed table entries (they never change once written). */
const entryCache = new Map<string, Entry>();

/** The key stored at table index `idx`. */
export function funcKey(sc: Sched, idx: number): string {
  return entryOf(sc, idx).key;
}

/** The call site stored with table index `idx`, if one was captured. */
export function siteOf(sc: Sched, idx: number): Site | undefined {
  return entryOf(sc, idx).site;
}

/** The name a dump gives the goroutine function at table index `idx`. */
export function labelOf(sc: Sched, idx: number): string {
  return entryOf(sc, idx).label;
}

function labelOfKey(key: string): string {
  if (key.startsWith('src:')) return nameOf(key.slice(4));
  return key.slice(key.lastIndexOf('#') + 1);
}

/** A compiled goroutine function and what to tell the user if it fails to resolve a name. */
export interface Compiled {
  fn: AnyFn;
  source: string | undefined;
  label: string;
  /** Script name its frames carry (an inline function's sourceURL, a module's URL). */
  file?: string;
  /** Lines its text spans in that script (inline functions placed at their site). */
  lines?: [number, number];
}

/**
 * Worker side: compiles / imports the function behind a key. An inline
 * function with a `place` is compiled at its position in the user's file.
 */
export async function compile(key: string, place?: Placement): Promise<Compiled> {
  if (key.startsWith('src:')) {
    const source = key.slice(4);
    const c: Compiled = { fn: compileSource(source, place), source, label: nameOf(source) };
    if (place !== undefined) {
      c.file = place.url;
      c.lines = [place.line, place.line + countLines(source)];
    }
    return c;
  }
  const hash = key.lastIndexOf('#');
  const url = key.slice(4, hash);
  const name = key.slice(hash + 1);
  const mod = (await import(url)) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== 'function') {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TypeError(
      `task module ${url} has no exported function "${name}" (its exported functions: ${names.join(', ') || 'none'})`,
    );
  }
  return { fn: fn as AnyFn, source: undefined, label: name, file: url };
}

const indirectEval = eval;

function countLines(src: string): number {
  let n = 0;
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * `open` + `src` + `close`, padded so that `src` starts at `place`'s line
 * and column, named by its sourceURL (see the file header).
 */
function placed(src: string, open: string, close: string, place: Placement | undefined): string {
  if (place === undefined) return `${open}${src}${close}`;
  const { line, col } = place;
  // The opening text goes on the line before (a line break is fine there),
  // or before the column on the first line when there is room.
  const head =
    line >= 2
      ? '\n'.repeat(line - 2) + open + '\n' + ' '.repeat(Math.max(0, col - 1))
      : ' '.repeat(Math.max(0, col - 1 - open.length)) + open;
  const map = place.map !== undefined ? `\n//# sourceMappingURL=${place.map}` : '';
  return `${head}${src}${close}\n//# sourceURL=${place.url}${map}\n`;
}

function compileSource(src: string, place?: Placement): AnyFn {
  let fn: unknown;
  try {
    fn = indirectEval(placed(src, '(', ')', place));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // A method shorthand (`name(a) { ... }`, `async name() {}`): wrap it in an object.
    const obj = indirectEval(placed(src, '({', '})', place)) as Record<string, unknown>;
    fn = Object.values(obj)[0];
  }
  if (typeof fn !== 'function')
    throw new TypeError(`goroutine source is not a function: ${src.slice(0, 80)}`);
  return fn as AnyFn;
}

function nameOf(src: string): string {
  const m = /^(?:async\s+)?(?:function\s*\*?\s*)?([A-Za-z_$][\w$]*)?/.exec(src);
  return m?.[1] && m[1] !== 'function' && m[1] !== 'async' ? m[1] : 'anonymous';
}

/**
 * Turns "x is not defined" thrown by an inline goroutine function into an
 * error saying that `x` was captured and must be passed as an argument.
 */
export function explainCapture(
  e: unknown,
  c: Compiled,
  advice = `Pass it as an argument: go((NAME, ...) => { ... }, NAME) - or import it inside the function, or put the function in a taskModule`,
): unknown {
  if (!(e instanceof ReferenceError) || c.source === undefined) return e;
  const m = /^(\S+) is not defined$/.exec(e.message);
  if (!m) return e;
  const name = m[1]!;
  if (!new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(c.source)) return e;
  const err = new ReferenceError(
    `goroutine function ${c.label} uses "${name}", which does not exist on the worker thread: a goroutine function runs on another thread, so it cannot capture variables from where it was written. ${advice.replaceAll('NAME', name)}`,
    { cause: e },
  );
  return err;
}

function readString(sc: Sched, v: number): string {
  const len = sc.i32[v]!;
  return new TextDecoder().decode(sc.world.u8.slice((v + 1) * 4, (v + 1) * 4 + len));
}

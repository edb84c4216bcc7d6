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
 */
import { shown } from '../internal/shown.js';
import { pathToFileURL } from 'node:url';
import { CapacityError } from '../errors.js';
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
  const idx = funcIndex(sc, keyOf(fn, what));
  sc.fnIndex.set(fn as object, idx);
  return idx;
}

/** Table index of `key`, registering it on first use. */
export function funcIndex(sc: Sched, key: string): number {
  const ck = `${sc.world.id}:${sc.s}:${key}`;
  const hit = indexCache.get(ck);
  if (hit !== undefined) return hit;
  const bytes = new TextEncoder().encode(key);
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

/** The key stored at table index `idx`. */
export function funcKey(sc: Sched, idx: number): string {
  const i32 = sc.i32;
  const dir = Atomics.load(i32, sc.s + SC_FUNC_DIR + Math.floor(idx / FUNC_CHUNK));
  return readString(sc, i32[dir + (idx % FUNC_CHUNK)]!);
}

/** A compiled goroutine function and what to tell the user if it fails to resolve a name. */
export interface Compiled {
  fn: AnyFn;
  source: string | undefined;
  label: string;
}

/** Worker side: compiles / imports the function behind a key. */
export async function compile(key: string): Promise<Compiled> {
  if (key.startsWith('src:')) {
    const source = key.slice(4);
    return { fn: compileSource(source), source, label: nameOf(source) };
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
  return { fn: fn as AnyFn, source: undefined, label: name };
}

const indirectEval = eval;

function compileSource(src: string): AnyFn {
  let fn: unknown;
  try {
    fn = indirectEval(`(${src})`);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // A method shorthand (`name(a) { ... }`, `async name() {}`): wrap it in an object.
    const obj = indirectEval(`({${src}})`) as Record<string, unknown>;
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

/**
 * User tasks run inside this package's goroutines: how a task (an inline
 * self-contained function or a `taskModule` reference, exactly as `go` takes)
 * is described on the calling thread and turned back into a function on the
 * worker.
 *
 * The description is plain data (it travels as a goroutine argument): the
 * function's source, or its module URL and export name. A worker compiles or
 * imports it once and caches it, as core's runtime does for goroutine
 * functions (core funcs.ts); the task-reference marker is core's global
 * symbol `gocsp.taskRef`.
 */
import { errors } from '../errors.js';

const TASK_REF = Symbol.for('gocsp.taskRef');

/** A task as it crosses threads. */
export type TaskSpec =
  { k: 'src'; src: string; label: string } | { k: 'mod'; url: string; name: string };

/** Any task function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tasks take and return anything cloneable
export type TaskFn = (...args: any[]) => unknown;

/** Describes `task` (validated here, on the caller's thread). */
export function taskSpec(what: string, task: unknown): TaskSpec {
  if (typeof task === 'function') {
    const src = Function.prototype.toString.call(task);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) throw errors.nativeTask(what);
    return { k: 'src', src, label: (task as { name?: string }).name || 'anonymous' };
  }
  if (typeof task === 'object' && task !== null && TASK_REF in task) {
    const ref = (task as Record<symbol, { url: string; name: string }>)[TASK_REF]!;
    return { k: 'mod', url: ref.url, name: ref.name };
  }
  throw errors.badTask(what, task);
}

const cache = new Map<string, TaskFn | Promise<TaskFn>>();
const indirectEval = eval;

function compile(src: string): TaskFn {
  let fn: unknown;
  try {
    fn = indirectEval(`(${src})`);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // A method shorthand (`name(a) { ... }`): wrap it in an object.
    const obj = indirectEval(`({${src}})`) as Record<string, unknown>;
    fn = Object.values(obj)[0];
  }
  if (typeof fn !== 'function')
    throw new TypeError(`task source is not a function: ${src.slice(0, 80)}`);
  return fn as TaskFn;
}

async function load(url: string, name: string): Promise<TaskFn> {
  const mod = (await import(url)) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== 'function') {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TypeError(
      `task module ${url} has no exported function "${name}" (its exported functions: ${names.join(', ') || 'none'})`,
    );
  }
  return fn as TaskFn;
}

/** The function behind a spec, on this thread (compiled or imported once). */
export function resolveTask(spec: TaskSpec): TaskFn | Promise<TaskFn> {
  const key = spec.k === 'src' ? spec.src : `${spec.url}#${spec.name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (spec.k === 'src') {
    const fn = compile(spec.src);
    cache.set(key, fn);
    return fn;
  }
  const p = load(spec.url, spec.name).then((fn) => {
    cache.set(key, fn);
    return fn;
  });
  p.catch(() => cache.delete(key));
  cache.set(key, p);
  return p;
}

/**
 * Turns "x is not defined" thrown by an inline task into an error saying that
 * `x` was captured and must be imported inside the task or put in a module.
 */
export function explainCapture(e: unknown, spec: TaskSpec): unknown {
  if (!(e instanceof ReferenceError) || spec.k !== 'src') return e;
  const m = /^(\S+) is not defined$/.exec(e.message);
  if (!m) return e;
  const name = m[1]!;
  if (!new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(spec.src)) return e;
  return new ReferenceError(
    `task ${spec.label} uses "${name}", which does not exist on the worker thread: a task runs on another thread, so it cannot capture variables from where it was written. Import it inside the task (await import(...)), or put the task in a taskModule`,
    { cause: e },
  );
}

/**
 * User tasks run inside this package's goroutines: how a task (an inline
 * self-contained function or a `taskModule` reference, exactly as `go` takes)
 * is described on the calling thread and turned back into a function on the
 * worker.
 *
 * The description is plain data (it travels as a goroutine argument): the
 * function's source, or its module URL and export name. A worker compiles or
 * imports it once and caches it; describing and compiling are core's own
 * (substrate.taskKey / compileTask, the same code goroutine functions use).
 */
import * as substrate from '@gocsp/core/internal';

/** A task as it crosses threads: core's function key (source or module reference) and a label. */
export interface TaskSpec {
  key: string;
  label: string;
}

/** Any task function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tasks take and return anything cloneable
export type TaskFn = (...args: any[]) => unknown;

/** Describes `task` (validated here, on the caller's thread: a TypeError names `what`). */
export function taskSpec(what: string, task: unknown): TaskSpec {
  const key = substrate.taskKey(task, what);
  const label =
    typeof task === 'function' ? task.name || 'anonymous' : key.slice(key.lastIndexOf('#') + 1);
  return { key, label };
}

const cache = new Map<string, substrate.CompiledTask | Promise<substrate.CompiledTask>>();

/** The compiled task behind a spec, on this thread (compiled or imported once, by core). */
export function resolveTask(
  spec: TaskSpec,
): substrate.CompiledTask | Promise<substrate.CompiledTask> {
  const hit = cache.get(spec.key);
  if (hit !== undefined) return hit;
  const p = substrate.compileTask(spec.key).then((c) => {
    cache.set(spec.key, c);
    return c;
  });
  p.catch(() => cache.delete(spec.key));
  cache.set(spec.key, p);
  return p;
}

/**
 * Turns "x is not defined" thrown by an inline task into an error saying that
 * `x` was captured and must be imported inside the task or put in a module.
 */
export function explainCapture(e: unknown, c: substrate.CompiledTask): unknown {
  return substrate.explainCapture(
    e,
    c,
    'Import it inside the task (await import(...)), or put the task in a taskModule',
  );
}

/**
 * The key that marks a function as *local*: it runs on the thread that calls
 * it (it holds a connection, a socket, state), never on a worker. Remote task
 * functions of @gocsp/nats carry it. `stage` runs such a task as a local
 * stage, `parallelMap` calls it on this thread; both keep `concurrency`.
 */
export const LOCAL_TASK = Symbol.for('gocsp.localTask');

/** True for a function marked with LOCAL_TASK. */
export function isLocalTask(f: unknown): f is TaskFn {
  return typeof f === 'function' && (f as unknown as Record<symbol, unknown>)[LOCAL_TASK] === true;
}

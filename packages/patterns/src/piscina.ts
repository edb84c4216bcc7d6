/**
 * piscinaStage: an existing Piscina pool as a pipeline stage, so Piscina users
 * adopt pipelines without rewriting their workers. The pool is an object of
 * the calling thread, so the stage runs there (a local stage): it keeps up to
 * `concurrency` `pool.run(value)` calls in flight. Piscina is not a
 * dependency: anything with `run(task, options?)` works.
 */
import { errors } from './errors.js';
import { localStage, type Stage, type StageOptions } from './pipeline.js';

/** What piscinaStage needs of a Piscina pool. */
export interface PiscinaLike {
  run(task: unknown, options?: Record<string, unknown>): Promise<unknown>;
  readonly options?: { readonly maxThreads?: number };
}

/** Options of {@link piscinaStage}. */
export interface PiscinaStageOptions extends StageOptions {
  /** Name of the worker's exported function (Piscina's `run(task, { name })`). */
  name?: string;
}

/**
 * A pipeline stage that runs each value through `piscina.run(value)`: up to
 * `concurrency` tasks in flight (default: twice the pool's `maxThreads`, so
 * its workers never wait for the next task), results in input order unless
 * `ordered: false`. A task's error fails the pipeline.
 *
 * @example
 * ```ts
 * import { Piscina } from 'piscina';
 * const pool = new Piscina({ filename: new URL('./resize.js', import.meta.url).href });
 * const out = pipeline(fromIterable(images), piscinaStage(pool, { concurrency: 8 }), stage(tasks.upload));
 * await collect(out);
 * ```
 */
export function piscinaStage<A = unknown, R = unknown>(
  piscina: PiscinaLike,
  opts: PiscinaStageOptions = {},
): Stage<A, R> {
  if (typeof piscina !== 'object' || piscina === null || typeof piscina.run !== 'function') {
    throw errors.badPiscina(piscina);
  }
  const runOpts = opts.name === undefined ? undefined : { name: opts.name };
  const threads = piscina.options?.maxThreads;
  const concurrency =
    opts.concurrency ?? (typeof threads === 'number' && threads > 0 ? threads * 2 : 4);
  return localStage((v: A) => piscina.run(v, runOpts), {
    concurrency,
    ordered: opts.ordered ?? true,
    buffer: opts.buffer ?? 64,
  }) as Stage<A, R>;
}

/**
 * workerPool: Go's worker-pool pattern. `workers` goroutines take jobs from a
 * bounded jobs channel and put one result record per job on `results`.
 *
 * - Backpressure: the jobs channel holds `queue` jobs; `submit` waits while
 *   it is full, so a producer faster than the pool is held back and memory
 *   stays bounded.
 * - Per-job errors are results too (`{ index, ok: false, error }`), with the
 *   error's class, message, stack and properties (internal/result-codec.ts):
 *   one bad job never stops the pool, and no error is lost.
 * - Jobs enter the jobs channel in index order: a submit waiting for room
 *   is not overtaken by a later submit or trySubmit (Pool.#waiting).
 * - Ordered results: a dispatcher goroutine hands each job to a worker with
 *   room (a faster worker takes more: the cores of a VM do not run at one
 *   speed, and jobs differ) and tells a collector goroutine which one, so
 *   results leave in submission order with bounded memory (routines.ts).
 *   Unordered: the workers share the jobs channel, and results leave as
 *   they finish.
 * - `close()` stops intake; the workers finish the queued jobs, then
 *   `results` is closed and `wait()` resolves.
 *
 * Submit from the thread that made the pool (job indexes are assigned there).
 */
import type { AnyFn, TaskRef } from '@gocsp/core';
import { gomaxprocs } from '@gocsp/core';
import { chan, onRecv, onSend, select, type Channel } from '@gocsp/channels';
import { AtomicInt32, WaitGroup } from '@gocsp/sync';
import { background, cause, withCancel, type CancelFunc, type Context } from './context.js';
import { errors } from './errors.js';
import { closeQuietly } from './internal/flow.js';
import { resultCodec } from './internal/result-codec.js';
import {
  POOL,
  launchAll,
  linksOf,
  markRemote,
  orderedPoolLinks,
  placement,
  routine,
  type Launch,
} from './internal/routines.js';
import type { Link } from './internal/link.js';
import { taskSpec } from './internal/task.js';

/** Options of {@link workerPool}. */
export interface WorkerPoolOptions {
  /** Goroutines running the task (default `gomaxprocs()`). */
  workers?: number;
  /** Jobs waiting to be taken before `submit` blocks (default `workers`). */
  queue?: number;
  /**
   * Results in submission order (default false: as they finish). The pool
   * then also holds, besides `queue`, up to 2 jobs per worker handed to it
   * and not started, and up to 8 results per worker finished after a job
   * still running elsewhere.
   */
  ordered?: boolean;
  /** Capacity of the results channel (default `queue`). */
  results?: number;
  /** Bounds the pool: when it is done, workers stop and queued jobs are dropped. */
  ctx?: Context;
}

/** The result of one job: its value, or the error it threw. */
export type PoolResult<R> =
  { index: number; ok: true; value: R } | { index: number; ok: false; error: Error };

/** A running worker pool (see {@link workerPool}). */
export interface WorkerPool<J, R> {
  /**
   * Queues a job; resolves with its index (0, 1, 2... in submission order)
   * once it is in the queue, so it waits while the queue is full
   * (backpressure). Rejects with the cause once the pool is cancelled, or
   * after `close()` (a submit still waiting for room when the pool closes
   * too); a job that cannot be copied to another thread rejects with a
   * TypeError and takes no index. The job is copied when it enters the
   * queue: one that waits for room is copied then, so leave it unchanged
   * until `submit` resolves.
   *
   * @example
   * ```ts
   * for (const f of files) await pool.submit(f);
   * ```
   */
  submit(job: J): Promise<number>;
  /**
   * Queues a job only if there is room now: its index, or -1.
   *
   * @example
   * ```ts
   * if (pool.trySubmit(job) < 0) backlog.push(job);
   * ```
   */
  trySubmit(job: J): number;
  /** One record per job: `{ index, ok: true, value }` or `{ index, ok: false, error }`. Closed after the last. */
  readonly results: Channel<PoolResult<R>>;
  /** The pool's context: cancelled by `cancel()` or by the context given in the options. */
  readonly ctx: Context;
  /**
   * No more jobs: the queued ones are finished, then `results` is closed. Idempotent.
   *
   * @example
   * ```ts
   * pool.close();
   * await pool.wait();
   * ```
   */
  close(): void;
  /**
   * Stops the workers now; queued jobs are dropped and `results` is closed.
   *
   * @example
   * ```ts
   * process.on('SIGINT', () => pool.cancel(new Error('interrupted')));
   * ```
   */
  cancel(cause?: unknown): void;
  /**
   * Resolves once every worker has ended (after `close()` and the last
   * result was taken, or after `cancel()`).
   *
   * @example
   * ```ts
   * pool.close();
   * const rs = await collect(pool.results);
   * await pool.wait();
   * ```
   */
  wait(): Promise<void>;
}

/**
 * Starts a pool of `workers` goroutines running `task(job)` for each
 * submitted job (a self-contained function or a `taskModule` reference, as
 * for `go`). Consume `results` while submitting (or from another goroutine):
 * a full results channel holds the workers, which in turn holds `submit`.
 *
 * @example
 * ```ts
 * const pool = workerPool(tasks.resize, { workers: 4, queue: 16 });
 * const consumer = collect(pool.results);
 * for (const file of files) await pool.submit(file); // waits while 16 jobs are queued
 * pool.close();
 * for (const r of await consumer) if (!r.ok) console.error(`job ${r.index}:`, r.error);
 * await pool.wait();
 * ```
 */
export function workerPool<F extends AnyFn>(
  task: F | TaskRef<F>,
  opts: WorkerPoolOptions = {},
): WorkerPool<Parameters<F>[0], Awaited<ReturnType<F>>> {
  const spec = taskSpec('workerPool', task);
  const workers = opts.workers ?? gomaxprocs();
  if (!Number.isInteger(workers) || workers < 1)
    throw errors.badCount('workerPool: workers', workers);
  const queue = opts.queue ?? workers;
  if (!Number.isInteger(queue) || queue < 0) throw errors.badCount('workerPool: queue', queue, 0);
  const resultsCap = opts.results ?? queue;
  if (!Number.isInteger(resultsCap) || resultsCap < 0) {
    throw errors.badCount('workerPool: results', resultsCap, 0);
  }
  const ordered = opts.ordered ?? false;
  const [ctx, cancel] = withCancel(opts.ctx ?? background());
  const wg = new WaitGroup();
  const results = chan<PoolResult<Awaited<ReturnType<F>>>>(resultsCap, {
    codec: resultCodec as never,
  });
  // One jobs channel, fed by submit. Unordered, the workers share it. Ordered,
  // a dispatcher hands each job to a worker with room and names that worker
  // on `order`, and a collector reads the results in that order
  // (routines.ts, orderedPoolLinks).
  const jobs = chan<[number, unknown]>(queue);
  const jobsLink: Link = { ch: jobs, batch: 0 };
  const launches: Launch[] = [];
  if (!ordered || workers === 1) {
    const left = new AtomicInt32(workers);
    wg.add(workers);
    for (let k = 0; k < workers; k++) {
      launches.push(
        routine('worker', spec, POOL, jobsLink, { ch: results, batch: 0 }, ctx, wg, left, false),
      );
    }
  } else {
    const { ins, outs, order } = orderedPoolLinks(workers, resultCodec);
    wg.add(workers + 2);
    // Workers first, so that the round-robin over the Ps spreads them.
    for (let k = 0; k < workers; k++) {
      launches.push(routine('worker', spec, POOL, ins[k]!, outs[k]!, ctx, wg, null, false));
    }
    launches.push(routine('dispatcher', jobsLink, ins, order, ctx, wg));
    launches.push(routine('collector', outs, { ch: results, batch: 0 }, ctx, wg, order));
  }
  // The jobs come from this thread: workers elsewhere spin briefly before parking on them.
  const groups = placement(launches);
  markRemote([
    { group: -1, reads: [], writes: [jobsLink] },
    ...launches.map((c, i) => ({ group: groups[i]!, ...linksOf(c) })),
  ]);
  launchAll(launches);
  return new Pool(jobs, results, ctx, cancel, wg);
}

/** A submit that waits for room in the jobs channel. */
interface Waiting {
  job: unknown;
  resolve: (i: number) => void;
  reject: (e: Error) => void;
}

class Pool<J, R> implements WorkerPool<J, R> {
  readonly results: Channel<PoolResult<R>>;
  readonly ctx: Context;
  #jobs: Channel<[number, unknown]>;
  #cancel: CancelFunc;
  #wg: WaitGroup;
  #next = 0;
  /**
   * Submits waiting for room, oldest first: sent one at a time by `#pump`,
   * and no submit or trySubmit goes past them. So jobs enter the channel in
   * index order, and an index is taken only by a job that entered it (a
   * send that fails, a job that cannot be cloned, takes none): an ordered
   * pool's results come out in index order with no gap to wait on.
   */
  #waiting: Waiting[] = [];
  #closed = false;
  #done: Promise<void> | undefined;

  constructor(
    jobs: Channel<[number, unknown]>,
    results: Channel<PoolResult<R>>,
    ctx: Context,
    cancel: CancelFunc,
    wg: WaitGroup,
  ) {
    this.#jobs = jobs;
    this.results = results;
    this.ctx = ctx;
    this.#cancel = cancel;
    this.#wg = wg;
  }

  submit(job: J): Promise<number> {
    const stop = this.#stopped();
    if (stop !== undefined) return Promise.reject(stop);
    let i: number;
    try {
      i = this.#queueNow(job);
    } catch (e) {
      return Promise.reject(toError(e));
    }
    if (i >= 0) return Promise.resolve(i);
    return new Promise<number>((resolve, reject) => {
      if (this.#waiting.push({ job, resolve, reject }) === 1) void this.#pump();
    });
  }

  /** Sends the waiting submits' jobs in order, each once there is room. */
  async #pump(): Promise<void> {
    const q = this.#waiting;
    while (q.length > 0) {
      const w = q[0]!;
      const i = this.#next;
      try {
        const stop = this.#stopped();
        if (stop !== undefined) throw stop;
        const r = await select([
          onSend(this.#jobs, [i, w.job] as [number, unknown], () => i),
          onRecv(this.ctx.done(), () => -1),
        ]);
        if (r < 0) throw toError(cause(this.ctx));
        this.#next = i + 1;
        w.resolve(i);
      } catch (e) {
        // Cancelled or closed while it waited (the jobs channel closed under
        // the send): say so; else the job's own error (it cannot be copied).
        w.reject(this.#stopped() ?? toError(e));
      }
      q.shift();
    }
  }

  /** Why no job can be queued now: the cancellation's cause, or the pool is closed. */
  #stopped(): Error | undefined {
    if (this.ctx.err() !== undefined) return toError(cause(this.ctx));
    if (this.#closed) return errors.poolClosed();
    return undefined;
  }

  trySubmit(job: J): number {
    if (this.#closed) throw errors.poolClosed();
    if (this.ctx.err() !== undefined) return -1;
    return this.#queueNow(job);
  }

  /**
   * Queues `job` now if no submit waits for room and there is room: its
   * index, or -1. Throws (taking no index) if the job cannot be copied.
   */
  #queueNow(job: unknown): number {
    if (this.#waiting.length > 0) return -1;
    const i = this.#next;
    if (!this.#jobs.trySend([i, job])) return -1;
    this.#next = i + 1;
    return i;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#jobs);
  }

  cancel(c?: unknown): void {
    this.#cancel(c);
    this.close();
  }

  wait(): Promise<void> {
    this.#done ??= this.#wg.wait().then(() => this.#cancel());
    return this.#done;
  }
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

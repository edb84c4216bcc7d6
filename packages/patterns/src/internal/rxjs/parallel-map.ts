/**
 * parallelMap: an RxJS operator that maps each value on the worker runtime.
 *
 * Each subscription starts a worker pool (`concurrency` goroutines running
 * the task, pool.ts) and keeps up to `concurrency + buffer` values in flight:
 * the queued ones let a worker start its next value without waiting for this
 * thread (one task in flight per worker would pay a cross-thread round trip
 * per value, as Piscina does). Values beyond that wait in a local FIFO (an
 * Observable cannot be made to wait). Results arrive on the pool's results
 * channel; ordered, they are re-sequenced by index in a buffer that the
 * in-flight bound keeps small.
 *
 * The first task error is the output's error; unsubscribing (or an error)
 * cancels the pool: workers stop, queued values are dropped.
 */
import * as substrate from '@gocsp/core/internal';
import { Observable, type OperatorFunction } from 'rxjs';
import type { AnyFn, TaskRef } from '@gocsp/core';
import { gomaxprocs } from '@gocsp/core';
import { workerPool } from '../../index.js';
import { isLocalTask } from '../task.js';
import { localMap } from './local-map.js';

/** Options of {@link parallelMap}. */
export interface ParallelMapOptions {
  /** Goroutines running the task at once (default `gomaxprocs()`). */
  concurrency?: number;
  /** Emit results in input order (default true); false: as they finish. */
  ordered?: boolean;
  /** Values queued ahead of the running ones (default 64). */
  buffer?: number;
}

/**
 * Maps every value through `task` on the worker runtime, up to `concurrency`
 * at a time (a self-contained function or a `taskModule` reference, as for
 * `go`), emitting results in input order unless `ordered: false`. A task error
 * errors the output; unsubscribing stops the workers. A function marked local
 * (`Symbol.for('gocsp.localTask')`: the remote task functions of
 * `@gocsp/nats`) is called on this thread instead, `concurrency` at a time.
 *
 * @example
 * ```ts
 * const tasks = taskModule<typeof import('./tasks.js')>(new URL('./tasks.js', import.meta.url));
 * from(images).pipe(parallelMap(tasks.resize, { concurrency: 4 })).subscribe(save);
 * range(0, 100).pipe(parallelMap((n: number) => n * n)).subscribe(console.log);
 * ```
 */
export function parallelMap<F extends AnyFn>(
  task: F | TaskRef<F>,
  opts: ParallelMapOptions = {},
): OperatorFunction<Parameters<F>[0], Awaited<ReturnType<F>>> {
  const concurrency = opts.concurrency ?? gomaxprocs();
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `parallelMap: concurrency must be an integer >= 1, got ${substrate.shown(concurrency)}`,
    );
  }
  const buffer = opts.buffer ?? 64;
  if (!Number.isInteger(buffer) || buffer < 0) {
    throw new RangeError(
      `parallelMap: buffer must be an integer >= 0, got ${substrate.shown(buffer)}`,
    );
  }
  const ordered = opts.ordered ?? true;
  if (isLocalTask(task)) {
    return localMap(task as (v: Parameters<F>[0]) => Promise<Awaited<ReturnType<F>>>, {
      concurrency,
      ordered,
    });
  }
  const window = concurrency + buffer;
  type A = Parameters<F>[0];
  type R = Awaited<ReturnType<F>>;
  // Validate the task now (throws a TypeError at the call site).
  workerPoolCheck(task);

  return (source) =>
    new Observable<R>((sub) => {
      const pool = workerPool(task, { workers: concurrency, queue: window, results: window });
      const backlog = new substrate.Fifo<A>();
      const early = new Map<number, R>();
      let inFlight = 0;
      let nextOut = 0;
      let sourceDone = false;
      let over = false;

      const finish = (): void => {
        if (!over && sourceDone && inFlight === 0 && backlog.length === 0) {
          over = true;
          pool.close();
          sub.complete();
        }
      };
      const fail = (e: unknown): void => {
        if (over) return;
        over = true;
        pool.cancel();
        sub.error(e);
      };
      const pump = (): void => {
        while (inFlight < window && backlog.length > 0) {
          let i: number;
          try {
            i = pool.trySubmit(backlog.peek()!);
          } catch (e) {
            fail(e);
            return;
          }
          if (i < 0) break;
          backlog.shift();
          inFlight++;
        }
        if (inFlight > 0) void receive();
      };
      const deliver = (r: {
        index: number;
        ok: boolean;
        value?: unknown;
        error?: unknown;
      }): void => {
        inFlight--;
        if (!r.ok) {
          fail(r.error);
          return;
        }
        if (!ordered) sub.next(r.value as R);
        else {
          early.set(r.index, r.value as R);
          while (early.has(nextOut)) {
            const v = early.get(nextOut) as R;
            early.delete(nextOut++);
            sub.next(v);
            if (over) return;
          }
        }
      };
      // Receives results while any value is in flight (never parks with none in flight,
      // so an idle source does not keep the process alive).
      let receiving = false;
      const receive = async (): Promise<void> => {
        if (receiving) return;
        receiving = true;
        const results = pool.results;
        try {
          while (inFlight > 0 && !over) {
            let r = results.tryRecv();
            // The workers are on other threads: poll briefly before parking.
            if (
              r === undefined &&
              substrate.spinUntil(substrate.defaultWorld(), () => results.len > 0)
            )
              r = results.tryRecv();
            let rec: { index: number; ok: boolean; value?: unknown; error?: unknown };
            if (r === undefined) {
              const got = await results.recvOk();
              if (!got[1]) return;
              rec = got[0];
            } else if (!r[1]) return;
            else rec = r[0];
            if (over) return;
            deliver(rec);
            if (over) return;
            pump();
          }
        } catch (e) {
          fail(e);
        } finally {
          receiving = false;
          finish();
        }
      };

      const srcSub = source.subscribe({
        next(v) {
          backlog.push(v);
          pump();
        },
        error(e: unknown) {
          fail(e);
        },
        complete() {
          sourceDone = true;
          finish();
        },
      });

      return () => {
        srcSub.unsubscribe();
        if (!over) {
          over = true;
          pool.cancel();
        }
      };
    });
}

function workerPoolCheck(task: unknown): void {
  const isRef = typeof task === 'object' && task !== null && Symbol.for('gocsp.taskRef') in task;
  if (typeof task !== 'function' && !isRef) {
    throw new TypeError(
      'parallelMap: expected a goroutine function (a self-contained function, or a taskModule reference)',
    );
  }
}

/**
 * parallelMap for a local task (task.ts, LOCAL_TASK): the function is called
 * on this thread, up to `concurrency` calls in flight; values beyond wait in
 * a FIFO. Ordered: results are re-sequenced by index (the in-flight bound
 * keeps the buffer small). The first error errors the output; unsubscribing
 * drops the waiting values (calls in flight finish, their results dropped).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import * as substrate from '@gocsp/core/internal';

export function localMap<A, R>(
  fn: (v: A) => Promise<R> | R,
  opts: { concurrency: number; ordered: boolean },
): OperatorFunction<A, R> {
  const { concurrency, ordered } = opts;
  return (source) =>
    new Observable<R>((sub) => {
      const backlog = new substrate.Fifo<{ v: A; i: number }>();
      const early = new Map<number, R>();
      let inFlight = 0;
      let nextIn = 0;
      let nextOut = 0;
      let sourceDone = false;
      let over = false;
      const finish = (): void => {
        if (!over && sourceDone && inFlight === 0 && backlog.length === 0) {
          over = true;
          sub.complete();
        }
      };
      const fail = (e: unknown): void => {
        if (over) return;
        over = true;
        sub.error(e);
      };
      const deliver = (i: number, r: R): void => {
        if (!ordered) {
          sub.next(r);
          return;
        }
        early.set(i, r);
        while (early.has(nextOut) && !over) {
          const v = early.get(nextOut) as R;
          early.delete(nextOut++);
          sub.next(v);
        }
      };
      const pump = (): void => {
        while (!over && inFlight < concurrency && backlog.length > 0) {
          const { v, i } = backlog.shift()!;
          inFlight++;
          let p: Promise<R>;
          try {
            p = Promise.resolve(fn(v));
          } catch (e) {
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the task's error, as thrown
            p = Promise.reject(e);
          }
          p.then(
            (r) => {
              inFlight--;
              if (over) return;
              deliver(i, r);
              pump();
              finish();
            },
            (e: unknown) => {
              inFlight--;
              fail(e);
            },
          );
        }
      };
      const srcSub = source.subscribe({
        next(v) {
          backlog.push({ v, i: nextIn++ });
          pump();
        },
        error: fail,
        complete() {
          sourceDone = true;
          finish();
        },
      });
      return () => {
        over = true;
        srcSub.unsubscribe();
      };
    });
}

/**
 * Task functions of the scheduler benchmarks, shared by every contender so
 * each runs the very same code: piscina and tinypool load this file as their
 * worker (`run(x, { name })`), workerpool through sched-workerpool.ts, and
 * gocsp goroutines reach it with `taskModule`. No imports: loading it must
 * cost a pool worker nothing.
 */

/** The tiny task of sched-spawn-tiny. */
export function inc(x: number): number {
  return x + 1;
}

/** The CPU-bound task of sched-cpu: 0 + 1 + ... + (n - 1), in doubles (exact below 2^53). */
export function sumTo(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += i;
  return s;
}

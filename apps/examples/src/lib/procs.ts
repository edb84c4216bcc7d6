// Changing GOMAXPROCS between timed runs.
import { gomaxprocs, runtime, sleep } from '@gocsp/core';

/**
 * Sets GOMAXPROCS to `n` and waits until exactly `n` Ps exist. Shrinking is
 * live: a surplus P first finishes what it runs, then retires; waiting for
 * that keeps a timed run on `n` Ps from starting while a retiring P can still
 * pick up work. (Gives up waiting after 2 s.)
 *
 * @example
 * ```ts
 * await setProcs(1); // now time something on one P
 * ```
 */
export async function setProcs(n: number): Promise<void> {
  gomaxprocs(n);
  const deadline = performance.now() + 2000;
  while (performance.now() < deadline) {
    const s = runtime.stats();
    if (!s.running || s.ps.length === n) return;
    await sleep(2);
  }
}

// Goroutines of the main-returns example.
import { sleep } from '@gocsp/core';
import type { WaitGroup } from '@gocsp/sync';
import { println } from '../lib/print.js';

/**
 * Prints `n` ticks, tick k at `k * every` ms after `t0` (an epoch time in ms:
 * when main started), as Go's goroutines would, started within microseconds;
 * then wg.done(). A goroutine that got going late (worker threads take a
 * while to start) catches up at once. Ticks on main's own timeline stay well
 * away from the moment main returns, so whether one lands after it does not
 * depend on how long the threads took to start.
 */
export async function ticker(
  id: number,
  every: number,
  n: number,
  t0: number,
  wg?: WaitGroup,
): Promise<void> {
  try {
    for (let k = 1; k <= n; k++) {
      await sleep(Math.max(0, t0 + k * every - (performance.timeOrigin + performance.now())));
      const t = performance.timeOrigin + performance.now() - t0;
      println(`  goroutine ${id}: tick ${k} of ${n}   (t=${t.toFixed(0)} ms)`);
    }
  } finally {
    wg?.done();
  }
}

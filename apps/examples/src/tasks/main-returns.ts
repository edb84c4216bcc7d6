// Goroutines of the main-returns example.
import { sleep } from '@gocsp/core';
import type { WaitGroup } from '@gocsp/sync';
import { println } from '../lib/print.js';

/** Prints `n` ticks, one every `every` ms (t = ms since `t0`, an epoch time in ms); then wg.done(). */
export async function ticker(
  id: number,
  every: number,
  n: number,
  t0: number,
  wg?: WaitGroup,
): Promise<void> {
  try {
    for (let k = 1; k <= n; k++) {
      await sleep(every);
      const t = performance.timeOrigin + performance.now() - t0;
      println(`  goroutine ${id}: tick ${k} of ${n}   (t=${t.toFixed(0)} ms)`);
    }
  } finally {
    wg?.done();
  }
}

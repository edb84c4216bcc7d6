// Goroutines of the parallelism and io-vs-cpu examples.
import type { WaitGroup } from '@gocsp/sync';
import { threadId } from 'node:worker_threads';
import { println } from '../lib/print.js';

/** The seed's CPU-bound loop: sum 0..5e7-1 (1249999975000000, as in Go), `rounds` times. */
export function sumLoop(rounds: number): number {
  let sum = 0;
  for (let r = 0; r < rounds; r++) {
    sum = 0;
    for (let i = 0; i < 5e7; i++) sum += i;
  }
  return sum;
}

/** The seed's heavyWork: CPU-bound, prints its own time, then wg.done(). */
export function heavyWork(id: number, rounds: number, wg: WaitGroup): void {
  try {
    const start = performance.now();
    const sum = sumLoop(rounds);
    const took = performance.now() - start;
    println(`Worker ${id} done in ${took.toFixed(0)} ms (sum=${sum}, thread ${threadId})`);
  } finally {
    wg.done();
  }
}

/** Milliseconds one sumLoop round takes on this thread (the loop warmed up first). */
export function roundMs(): number {
  sumLoop(1);
  const start = performance.now();
  sumLoop(2);
  return (performance.now() - start) / 2;
}

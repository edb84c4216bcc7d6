// Goroutines of the worker-pool example.
import { sleep } from '@gocsp/core';
import type { Channel } from '@gocsp/channels';
import { threadId } from 'node:worker_threads';
import { println } from '../lib/print.js';

/** Go by Example's worker: takes jobs until the channel is closed, "works" `pause` ms on each. */
export async function worker(
  id: number,
  jobs: Channel<number>,
  results: Channel<number>,
  pause: number,
  t0: number,
): Promise<void> {
  const t = (): string => (performance.timeOrigin + performance.now() - t0).toFixed(0).padStart(4);
  for await (const j of jobs) {
    println(`t=${t()} ms  worker ${id} started  job ${j}`);
    await sleep(pause);
    println(`t=${t()} ms  worker ${id} finished job ${j}`);
    await results.send(j * 2);
  }
}

/** A CPU-bound job: how many primes in [lo, hi) (trial division), and the thread it ran on. */
export function countPrimes([lo, hi]: [number, number]): { count: number; thread: number } {
  // Numbers arrive in a goroutine as doubles; int32 copies keep the loops on
  // V8's integer path.
  const from = Math.max(lo | 0, 2);
  const to = hi | 0;
  let count = 0;
  for (let n = from; n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return { count, thread: threadId };
}

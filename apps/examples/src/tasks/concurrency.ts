// Goroutines of the concurrency example (a task module: worker threads import
// it, so these functions may use imports).
import { sleep } from '@gocsp/core';
import type { WaitGroup } from '@gocsp/sync';
import { threadId } from 'node:worker_threads';
import { println } from '../lib/print.js';

/** The seed's worker: three iterations, sleeping between them. */
export async function worker(id: number, pause: number, t0: number, wg: WaitGroup): Promise<void> {
  try {
    for (let i = 1; i <= 3; i++) {
      const at = Math.round(performance.timeOrigin + performance.now() - t0);
      println(`Worker ${id} running iteration ${i}   (thread ${threadId}, t=${at} ms)`);
      await sleep(pause);
    }
  } finally {
    wg.done();
  }
}

/** The seed's printMessage, run as a goroutine. */
export async function printMessage(msg: string, pause: number): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    println(msg, i, `  (thread ${threadId})`);
    await sleep(pause);
  }
}

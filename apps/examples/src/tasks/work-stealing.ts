// Goroutines of the work-stealing example.
import { go, taskModule } from '@gocsp/core';
import { WaitGroup } from '@gocsp/sync';

/** This module's own functions as goroutine references (a plain function would be shipped by source). */
const self = taskModule<typeof import('./work-stealing.js')>(import.meta.url);

/** CPU-bound work: keeps its thread busy for `ms` milliseconds (a loop, no waiting). */
export function busy(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x + i) | 0;
  return x;
}

/** One task of the workload: `busy(ms)`, then wg.done(). */
export function task(ms: number, wg: WaitGroup): void {
  try {
    busy(ms);
  } finally {
    wg.done();
  }
}

/**
 * The imbalanced start: ONE goroutine creates the whole workload. Gs created
 * by a goroutine go to its own P's run queue, so all of them start out on one
 * P; the others have nothing unless they steal. Returns when all are done.
 */
export async function produce(costs: number[]): Promise<void> {
  const wg = new WaitGroup();
  for (const ms of costs) {
    wg.add(1);
    go(self.task, ms, wg);
  }
  await wg.wait();
}

// Task module of the NATS benchmarks: served by serveTasks in the serving
// processes (workers/nats-serve.ts), run there as goroutines.
import { sleep } from '@gocsp/core';

/** A tiny task: its cost is all transport. */
export function add(a: number, b: number): number {
  return a + b;
}

/** An I/O-bound task: waits `ms` (a stand-in for a database or HTTP call), returns `ms`. */
export async function io(ms: number): Promise<number> {
  await sleep(ms);
  return ms;
}

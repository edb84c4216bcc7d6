// The task of the distributed-pool example: served by each worker process
// (serveTasks), run there as a goroutine on that process's gocsp runtime.
import { sleep } from '@gocsp/core';
import { println } from '../lib/print.js';

/** How long a job "works" (I/O-like waiting), in ms. */
export const JOB_MS = 150;

/** A job: works JOB_MS, then returns the square of `id` and which process computed it. */
export async function square(id: number): Promise<{ id: number; square: number; pid: number }> {
  println(`  [pid ${process.pid}] job ${id} started`);
  await sleep(JOB_MS);
  return { id, square: id * id, pid: process.pid };
}

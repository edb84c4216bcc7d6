// Goroutines of the io-vs-cpu example: the same request-shaped task, waiting
// (I/O-bound), computing (CPU-bound), or both (mixed).
import { threadId } from 'node:worker_threads';
/** The seeds' CPU-bound loop, `n` iterations: sum 0..n-1. */
function sumTo(n: number): number {
  const end = n | 0; // number arguments arrive as doubles: an int32 bound keeps the loop on ints
  let sum = 0;
  for (let i = 0; i < end; i++) sum += i;
  return sum;
}

/** I/O-bound: one HTTP GET (the local server answers after a delay). Returns the thread it ran on. */
export async function io(url: string): Promise<number> {
  const resp = await fetch(url);
  await resp.arrayBuffer();
  return threadId;
}

/** CPU-bound: `n` iterations of the seeds' sum loop. Returns the thread it ran on. */
export function cpu(n: number): number {
  sumTo(n);
  return threadId;
}

/** Mixed: the request, then compute on its answer (an API call plus post-processing). */
export async function mixed(url: string, n: number): Promise<number> {
  await io(url);
  sumTo(n);
  return threadId;
}

/** Loads this module on the P that runs it, compiles the loop, and returns its speed: iterations per ms. */
export function warm(): number {
  let best = Infinity;
  for (let k = 0; k < 4; k++) {
    const start = performance.now();
    sumTo(1e7);
    best = Math.min(best, performance.now() - start);
  }
  return 1e7 / best;
}

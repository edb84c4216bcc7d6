// Goroutines of the pipeline example (and the rxjs example's heavy map).
import { threadId } from 'node:worker_threads';

/** A CPU-bound stage: a checksum of n that takes `iterations` loop steps (~20 ms for the default), and the thread it ran on. */
export function digest(
  n: number,
  iterations = 16_000_000,
): { n: number; digest: number; thread: number } {
  // Number arguments of a goroutine arrive as doubles; an int32 copy keeps the
  // loop on V8's integer path (about 4x faster here).
  const k = n | 0;
  let h = k;
  for (let i = 0; i < iterations; i++) h = (Math.imul(h ^ i, 0x9e3779b1) + k) | 0;
  return { n, digest: h >>> 0, thread: threadId };
}

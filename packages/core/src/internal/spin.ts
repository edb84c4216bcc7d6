/**
 * Pausing between polls of shared memory. Polling back to back fights the
 * writer for the cache line (measured in apps/bench, sab-ring: 7M vs 30M
 * msg/s); a short stretch of purely local work between polls avoids that.
 */

const RELAX_STEPS = 50;

// A typed-array sink, so no bundler or JIT can drop the loop as dead code.
const relaxSink = new Int32Array(1);
/** A short pause between polls (~50 ns) that touches no shared memory. */
export function relax(): void {
  let x = relaxSink[0]!;
  for (let k = 0; k < RELAX_STEPS; k++) x = (x * 31 + k) | 0;
  relaxSink[0] = x;
}

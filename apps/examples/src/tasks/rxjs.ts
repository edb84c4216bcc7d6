// Goroutines of the rxjs example.
import { sleep } from '@gocsp/core';
import type { Channel } from '@gocsp/channels';

export { digest } from './pipeline.js';

/** A sensor: sends `n` readings, one every `every` ms, then closes the channel. */
export async function sensor(
  out: Channel<{ seq: number; celsius: number }>,
  n: number,
  every: number,
): Promise<void> {
  for (let seq = 1; seq <= n; seq++) {
    await sleep(every);
    const celsius = Math.round((20 + 5 * Math.sin(seq / 2)) * 10) / 10;
    await out.send({ seq, celsius });
  }
  out.close();
}

/** Sums what arrives on `input` until it is closed (`for range`). */
export async function sum(input: Channel<number>): Promise<number> {
  let total = 0;
  for await (const v of input) total += v;
  return total;
}

// A pipeline's output filled and read as runs (link.ts `runs`, StreamChannel's
// for-await, collect): every value once and in order across runs, the
// output's buffer bounds what it holds, leaving a loop in the middle of a run
// cancels the producers. Real worker threads, seeded (GOCSP_SEED).
import { describe, expect, it } from 'vitest';
import { Canceled, collect, fromIterable, pipeline, stage } from '@gocsp/patterns';
import { delay, guardRuntimeSuite, range, rng, scale } from './util.js';

guardRuntimeSuite();

describe('pipeline output runs', () => {
  it('a consumer that pauses gets every value once, in order; the output holds at most its buffer', async () => {
    const r = rng();
    const n = scale(3_000);
    for (const last of [
      stage((x: number) => x * 2, { buffer: 8 }),
      stage((x: number) => x * 2, { concurrency: 2, buffer: 8 }),
      stage((x: number) => x * 2, { concurrency: 2, buffer: 8, ordered: false }),
    ]) {
      const out = pipeline(
        fromIterable(range(n)),
        stage((x: number) => x + 1),
        last,
      );
      const got: number[] = [];
      for await (const v of out) {
        expect(out.len).toBeLessThanOrEqual(8);
        got.push(v);
        if (r() < 0.01) await delay(1 + Math.floor(r() * 3));
      }
      got.sort((a, b) => a - b); // the unordered stage
      expect(got).toEqual(range(n).map((x) => (x + 1) * 2));
    }
  });

  it('leaving a for-await in the middle of a run cancels the producers', async () => {
    let generated = 0;
    function* endless(): Generator<number> {
      for (let v = 0; ; v++) {
        generated++;
        yield v;
      }
    }
    const out = pipeline(
      endless(),
      stage((x: number) => x + 1),
    );
    let count = 0;
    for await (const v of out) {
      expect(v).toBe(++count);
      if (count === 100) break; // the output holds more: it was read as a run
    }
    await expect(out.wait()).rejects.toBe(Canceled);
    const g = generated;
    await delay(50);
    expect(generated).toBe(g);
  });

  it('collect reads runs until the close, then reports the outcome', async () => {
    const n = scale(5_000);
    const out = pipeline(
      fromIterable(range(n)),
      stage((x: number) => -x),
    );
    expect(await collect(out)).toEqual(range(n).map((x) => -x));
  });
});

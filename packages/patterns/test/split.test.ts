// Splitting a fused run (routines.ts, workFused): single-worker stages fused
// into one goroutine split in two once their tasks prove heavy, and keep the
// order, the first error and cancellation across the split; light ones stay
// on one thread. Real worker threads.
import { describe, expect, it } from 'vitest';
import { gomaxprocs } from '@gocsp/core';
import { Canceled, collect, fromIterable, pipeline, stage } from '@gocsp/patterns';
import { guardRuntimeSuite, range, scale, tasks } from './util.js';

guardRuntimeSuite();
const P = gomaxprocs();

type Heavy = { v: number; t: number[]; us: number; failAt?: number; failStage?: number };

/** Records for `heavyWhere`: each task busy `us` microseconds per value. */
const heavy = (n: number, us: number, failAt?: number, failStage?: number): Heavy[] =>
  range(n).map((v) => ({ v, t: [], us, failAt, failStage }));

/** Three fused single-worker stages of `heavyWhere`. */
const three = (recs: Heavy[]) =>
  pipeline(
    fromIterable(recs),
    stage(tasks.heavyWhere),
    stage(tasks.heavyWhere),
    stage(tasks.heavyWhere),
  );

/** Values whose three tasks did not all run on one thread. */
const crossed = (got: Heavy[]): number => got.filter((r) => new Set(r.t).size > 1).length;

describe('fused run split', () => {
  it('heavy tasks: the run splits and later values cross threads; order and count intact', async () => {
    const n = scale(400);
    // The new worker goes to another P when that P's M wakes before this
    // worker's next yield (2 ms): on a loaded machine it may not, and then it
    // runs on this thread. One of three runs must show the split.
    let best = 0;
    for (let k = 0; k < 3 && best <= n / 2; k++) {
      const got = (await collect(three(heavy(n, 200)))) as Heavy[];
      expect(got.map((r) => r.v)).toEqual(range(n));
      for (const r of got) expect(r.t.length).toBe(3);
      // The first values ran fused, before the verdicts (128 values in).
      expect(new Set(got[0]!.t).size).toBe(1);
      best = Math.max(best, crossed(got));
    }
    if (P > 1) expect(best).toBeGreaterThan(n / 2);
    else expect(best).toBe(0);
  });

  it('light tasks never split: every value stays on one thread', async () => {
    const n = scale(2_000);
    const got = (await collect(three(heavy(n, 0)))) as Heavy[];
    expect(got.map((r) => r.v)).toEqual(range(n));
    expect(crossed(got)).toBe(0);
  });

  it('an error in the later half after the split fails the pipeline once; nothing after it comes out', async () => {
    const n = scale(400);
    const failAt = 300;
    const out = three(heavy(n, 100, failAt, 2));
    const received: number[] = [];
    let error: unknown;
    try {
      for await (const r of out) received.push(r.v);
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).toBe('JobError');
    expect((error as Error).message).toBe(`heavy stage 3 failed at ${failAt}`);
    expect((error as { code?: string }).code).toBe('E_HEAVY');
    await expect(out.wait()).rejects.toBe(error);
    expect(received).toEqual(range(received.length));
    expect(received.length).toBeLessThanOrEqual(failAt);
  });

  it('cancellation after the split ends both halves; the values received are in order', async () => {
    const out = three(heavy(scale(100_000), 50));
    const received: number[] = [];
    for (let i = 0; i < 200; i++) received.push(((await out.recv()) as Heavy).v);
    expect(received).toEqual(range(200));
    out.cancel();
    await expect(out.wait()).rejects.toBe(Canceled);
  });
});

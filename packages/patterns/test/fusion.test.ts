// Fusion (pipeline.ts, `fuse`): neighbouring goroutine stages that share
// their goroutines keep the order across batches, fail with the first error
// (explained against its own task), stop on cancellation in the middle of a
// batch and keep back-pressure. Real worker threads, seeded (GOCSP_SEED).
import { describe, expect, it } from 'vitest';
import { gomaxprocs } from '@gocsp/core';
import { AtomicInt32 } from '@gocsp/sync';
import { Canceled, collect, fromIterable, pipeline, stage } from '@gocsp/patterns';
import { delay, guardRuntimeSuite, range, rng, scale, tasks } from './util.js';

guardRuntimeSuite();
/** Workers per stage at which neighbouring stages of that concurrency fuse. */
const P = gomaxprocs();

type Traced = { v: number; t: number[] };

describe('pipeline fusion', () => {
  it('more single-worker stages than Ps: neighbours run on one thread, in order', async () => {
    const n = scale(500);
    const stages = Array.from({ length: P + 1 }, () => stage(tasks.where));
    const out = pipeline(fromIterable(range(n).map((v) => ({ v, t: [] as number[] }))), ...stages);
    const got = (await collect(out)) as Traced[];
    expect(got.map((r) => r.v)).toEqual(range(n));
    // The first two stages are one goroutine's: the value never left the thread.
    for (const r of got) {
      expect(r.t.length).toBe(P + 1);
      expect(r.t[0]).toBe(r.t[1]);
    }
  });

  it('single-worker stages, as many as Ps: one goroutine runs them all, on one thread', async () => {
    const n = scale(500);
    const stages = Array.from({ length: Math.max(P, 2) }, () => stage(tasks.where));
    const out = pipeline(fromIterable(range(n).map((v) => ({ v, t: [] as number[] }))), ...stages);
    const got = (await collect(out)) as Traced[];
    expect(got.map((r) => r.v)).toEqual(range(n));
    // Before, a run of k <= procs single workers stayed k goroutines, spread over the Ps.
    for (const r of got) expect(new Set(r.t).size).toBe(1);
  });

  it('fused workers keep the order across batches under random task durations', async () => {
    const r = rng();
    const n = scale(1_500);
    const jobs = range(n).map((value) => ({ ms: r() < 0.02 ? 1 + Math.floor(r() * 3) : 0, value }));
    const opts = { concurrency: P, buffer: 32 };
    const out = pipeline(
      fromIterable(jobs),
      stage((j: { ms: number; value: number }) => ({ ms: j.ms, value: j.value * 2 }), opts),
      stage(tasks.delayed, opts),
      stage((v: number) => v + 1, opts),
    );
    expect(await collect(out)).toEqual(range(n).map((v) => v * 2 + 1));
  });

  it('an error in the middle of a batch fails the pipeline once; nothing after it comes out', async () => {
    const calls1 = new AtomicInt32();
    const calls2 = new AtomicInt32();
    const calls3 = new AtomicInt32();
    type Rec = {
      v: number;
      calls: AtomicInt32;
      failAt: number;
      next: AtomicInt32;
      last: AtomicInt32;
    };
    let generated = 0;
    function* endless(): Generator<Rec> {
      for (let v = 0; ; v++) {
        generated++;
        yield { v, calls: calls1, failAt: 300, next: calls2, last: calls3 };
      }
    }
    const opts = { concurrency: P };
    const out = pipeline(
      endless(),
      stage((rec: Rec) => {
        rec.calls.add(1);
        return { ...rec, calls: rec.next };
      }, opts),
      stage(tasks.failAt, opts),
      stage((rec: Rec) => {
        rec.last.add(1);
        return rec.v;
      }, opts),
    );
    const received: number[] = [];
    let error: unknown;
    try {
      for await (const v of out) received.push(v as number);
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).toBe('JobError');
    expect((error as Error).message).toBe('stage 2 failed at 300');
    await expect(out.wait()).rejects.toBe(error);
    expect(received).toEqual(range(received.length));
    expect(received.length).toBeLessThanOrEqual(300);
    // Stage 3 never ran on the failing value (it ran right after stage 2 on the same worker).
    expect(calls3.load()).toBeLessThan(calls2.load());
    const counts = [generated, calls1.load(), calls2.load(), calls3.load()];
    await delay(50);
    expect([generated, calls1.load(), calls2.load(), calls3.load()]).toEqual(counts);
    expect(out.ctx.err()).toBe(Canceled);
  });

  it('an inline task of a fused stage that reads a captured variable is explained as such', async () => {
    const k = 3;
    const out = pipeline(
      fromIterable(range(10)),
      stage((x: number) => x + 1, { concurrency: P }),
      stage((x: number) => x + k, { concurrency: P }),
    );
    await expect(collect(out)).rejects.toThrow(/\bk\b[\s\S]*Import it inside the task/);
  });

  it('cancellation in the middle of a batch stops every fused stage; values stay in order, none twice', async () => {
    let generated = 0;
    let closed = false;
    function* endless(): Generator<number> {
      try {
        for (let v = 0; ; v++) {
          generated++;
          yield v;
        }
      } finally {
        closed = true;
      }
    }
    const opts = { concurrency: P };
    const out = pipeline(
      endless(),
      stage((x: number) => x * 3, opts),
      stage((x: number) => x + 1, opts),
      stage((x: number) => (x - 1) / 3, opts),
    );
    const got: number[] = [];
    for (let i = 0; i < 100; i++) got.push((await out.recv())!);
    out.cancel();
    await expect(out.wait()).rejects.toBe(Canceled);
    // What was already in the output can still be received: the same sequence, no gap, no repeat.
    for (;;) {
      const [v, ok] = await out.recvOk();
      if (!ok) break;
      got.push(v);
    }
    expect(got).toEqual(range(got.length));
    const g = generated;
    await delay(50);
    expect(generated).toBe(g);
    expect(closed).toBe(true);
  });

  it('back-pressure: fused stages hold a fast endless source back', async () => {
    let generated = 0;
    function* endless(): Generator<number> {
      for (let v = 0; ; v++) {
        generated++;
        yield v;
      }
    }
    const opts = { concurrency: P, buffer: 16 };
    const out = pipeline(
      endless(),
      stage((x: number) => x + 1, opts),
      stage((x: number) => x - 1, opts),
      stage((x: number) => x, { ...opts, fuse: false }),
    );
    for (let i = 0; i < 10; i++) expect(await out.recv()).toBe(i);
    await delay(100);
    const g = generated;
    await delay(100);
    expect(generated).toBe(g); // everything is full: the source waits
    expect(g).toBeLessThan(1_000);
    out.cancel();
    await expect(out.wait()).rejects.toBe(Canceled);
  });
});

// Pipelines and channel helpers: ordering, errors (surfacing once, stopping
// every stage), draining on close, cancellation; merge, fanOut, tee, batch,
// rateLimit, fromIterable, collect.
import { afterEach, describe, expect, it } from 'vitest';
import { chan, type Clock } from '@gocsp/channels';
import { AtomicInt32 } from '@gocsp/sync';
import {
  Canceled,
  StreamChannel,
  background,
  batch,
  collect,
  fanOut,
  fromIterable,
  localStage,
  merge,
  pipeline,
  rateLimit,
  setClock,
  stage,
  tee,
  withCancel,
} from '@gocsp/patterns';
import {
  delay,
  guardRuntimeSuite,
  range,
  rng,
  scale,
  tasks,
  virtualClock,
  within,
} from './util.js';

guardRuntimeSuite();

describe('pipeline', () => {
  it('three goroutine stages, results in order', async () => {
    const n = scale(2_000);
    const out = pipeline(
      fromIterable(range(n)),
      stage((x: number) => x + 1),
      stage((x: number) => x * 2, { concurrency: 3 }),
      stage((x: number) => `#${x}`),
    );
    expect(out).toBeInstanceOf(StreamChannel);
    expect(await collect(out)).toEqual(range(n).map((x) => `#${(x + 1) * 2}`));
    await out.wait();
  });

  it('ordered stages keep the order under random task durations', async () => {
    const r = rng();
    const n = scale(150);
    const jobs = range(n).map((i) => ({ ms: Math.floor(r() * 6), value: i }));
    const out = pipeline(
      fromIterable(jobs),
      stage(tasks.delayed, { concurrency: 4, buffer: 8 }),
      stage((v: number) => ({ ms: (v * 7) % 3, value: v })),
      stage(tasks.delayed, { concurrency: 3 }),
    );
    expect(await collect(out)).toEqual(range(n));
  });

  it('unordered stages deliver every value exactly once', async () => {
    const r = rng();
    const n = scale(200);
    const out = pipeline(
      fromIterable(range(n).map((i) => ({ ms: Math.floor(r() * 4), value: i }))),
      stage(tasks.delayed, { concurrency: 4, ordered: false }),
    );
    const got = await collect(out);
    expect(got.length).toBe(n);
    expect([...(got as number[])].sort((a, b) => a - b)).toEqual(range(n));
  });

  it('workers sharing a source fed from this thread: the task sees only its values', async () => {
    // As for pools: a worker that spun on its input and lost the batch to
    // another worker waits again (it once ran the task on an internal marker).
    for (let round = 0; round < scale(20); round++) {
      const n = 500;
      async function* values(): AsyncGenerator<number> {
        for (let i = 0; i < n; i++) yield i; // one value per message
      }
      const out = pipeline(
        values(),
        stage(
          (x: number) => {
            if (typeof x !== 'number') throw new TypeError(`value is ${String(x)}`);
            return x + 1;
          },
          { concurrency: 3, ordered: false },
        ),
      );
      const got = await collect(out);
      expect([...got].sort((a, b) => a - b)).toEqual(range(n).map((x) => x + 1));
      await out.wait();
    }
  });

  it('an error in the middle stage of three cancels the whole pipeline and surfaces once', async () => {
    const calls1 = new AtomicInt32();
    let calls3 = 0;
    const stage2Calls = new AtomicInt32();
    let generated = 0;
    let generatorClosed = false;
    type Rec = { v: number; calls: AtomicInt32; failAt: number };
    function* endless(): Generator<Rec & { next: AtomicInt32 }> {
      try {
        for (let v = 0; ; v++) {
          generated++;
          yield { v, calls: calls1, failAt: 300, next: stage2Calls };
        }
      } finally {
        generatorClosed = true;
      }
    }
    const out = pipeline(
      endless(),
      // 1: goroutines, counting in a shared counter; hands the record on with stage 2's counter
      stage(
        (rec: Rec & { next: AtomicInt32 }) => {
          rec.calls.add(1);
          return { ...rec, calls: rec.next };
        },
        { concurrency: 2 },
      ),
      // 2: goroutines (a task module) - fails at value 300
      stage(tasks.failAt, { concurrency: 2 }),
      // 3: on this thread
      localStage((rec: { v: number }) => {
        calls3++;
        return rec.v;
      }),
    );
    const received: number[] = [];
    let error: unknown;
    try {
      for await (const v of out) received.push(v);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('JobError');
    expect((error as Error).message).toBe('stage 2 failed at 300');
    expect((error as Error & { code?: string }).code).toBe('E_STAGE2');
    // The same error, once, from every way of asking.
    await expect(out.wait()).rejects.toBe(error);
    await expect(collect(out)).rejects.toBe(error);
    // Values before the failure came through in order; none after it.
    expect(received).toEqual(range(received.length));
    expect(received.length).toBeLessThanOrEqual(300);
    // Every stage stopped: nothing keeps running after wait().
    const g = generated;
    const c1 = calls1.load();
    const c2 = stage2Calls.load();
    await delay(50);
    expect(generated).toBe(g);
    expect(calls1.load()).toBe(c1);
    expect(stage2Calls.load()).toBe(c2);
    expect(c2).toBeGreaterThan(150); // its workers did every value up to 300 but a few pieces
    expect(c2).toBeLessThan(generated);
    expect(generatorClosed).toBe(true);
    expect(out.ctx.err()).toBe(Canceled);
    expect(calls3).toBe(received.length);
  });

  it('many failing values still surface one error', async () => {
    const out = pipeline(
      fromIterable(range(200).map((v) => ({ v, bad: range(200).filter((x) => x >= 20) }))),
      stage(tasks.doubleOrFail, { concurrency: 4, ordered: false }),
    );
    await expect(collect(out)).rejects.toMatchObject({ name: 'JobError' });
    await expect(out.wait()).rejects.toMatchObject({ name: 'JobError' });
  });

  it('backpressure: a fast endless source is held back by a slow consumer; memory stays bounded', async () => {
    let generated = 0;
    function* endless(): Generator<number> {
      for (let v = 0; ; v++) {
        generated++;
        yield v;
      }
    }
    const out = pipeline(
      endless(),
      stage((x: number) => x + 1, { buffer: 16 }),
      stage((x: number) => x - 1, { concurrency: 2, buffer: 16 }),
    );
    for (let i = 0; i < 10; i++) expect(await out.recv()).toBe(i);
    await delay(100);
    const g = generated;
    await delay(100);
    expect(generated).toBe(g); // everything is full: the source waits
    // The source link (256) and each stage's buffer, plus a batch being filled and one being read per link.
    expect(g).toBeLessThan(1_000);
    out.cancel();
    await expect(out.wait()).rejects.toBe(Canceled);
  });

  it('closing the source channel drains every stage in order, then closes the output', async () => {
    const source = chan<number>(4);
    const seen: number[] = [];
    const out = pipeline(
      source,
      stage((x: number) => x * 10, { concurrency: 2 }),
      localStage(async (x: number) => {
        await delay(1);
        seen.push(x);
        return x + 1;
      }),
      stage((x: number) => -x),
    );
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await source.send(i);
      source.close();
    })();
    const got = await collect(out);
    await producer;
    expect(got).toEqual(range(50).map((i) => -(i * 10 + 1)));
    expect(seen).toEqual(range(50).map((i) => i * 10));
    await out.wait();
    expect(await out.recvOk()).toEqual([undefined, false]);
  });

  it('a parent context bounds the pipeline: cancelling it stops every stage', async () => {
    const [ctx, cancel] = withCancel(background());
    const source = chan<number>();
    const out = pipeline(
      ctx,
      source,
      stage((x: number) => x),
      stage((x: number) => x, { concurrency: 2 }),
    );
    await source.send(1);
    expect(await out.recv()).toBe(1);
    cancel(new Error('user abort'));
    await expect(out.wait()).rejects.toThrow('user abort');
    expect(await out.recvOk()).toEqual([undefined, false]);
  });

  it('out.cancel() stops it; leaving a for-await early cancels the producers', async () => {
    const out = pipeline(
      fromIterable(range(1_000_000)),
      stage((x: number) => x),
    );
    let count = 0;
    for await (const v of out) {
      expect(v).toBe(count++);
      if (count === 10) break;
    }
    await expect(out.wait()).rejects.toBe(Canceled);
    const out2 = pipeline(
      fromIterable(range(1_000_000)),
      stage((x: number) => x),
    );
    await out2.recv();
    out2.cancel();
    await expect(out2.wait()).rejects.toBe(Canceled);
  });

  it('a task that cannot be found fails the pipeline, not the process', async () => {
    const out = pipeline(
      fromIterable([1, 2]),
      stage((tasks as unknown as Record<string, typeof tasks.spin>).noSuchTask!),
    );
    await expect(collect(out)).rejects.toThrow(/no exported function "noSuchTask"/);
  });

  it('local stages: concurrency, order, errors', async () => {
    let active = 0;
    let max = 0;
    const r = rng();
    const out = pipeline(
      range(60),
      localStage(
        async (x: number) => {
          max = Math.max(max, ++active);
          await delay(Math.floor(r() * 4));
          active--;
          return x;
        },
        { concurrency: 5 },
      ),
    );
    expect(await collect(out)).toEqual(range(60));
    expect(max).toBe(5);
    const bad = pipeline(
      range(20),
      localStage(
        (x: number) => {
          if (x === 7) throw new SyntaxError('seven');
          return x;
        },
        { concurrency: 3 },
      ),
    );
    await expect(collect(bad)).rejects.toBeInstanceOf(SyntaxError);
  });

  it('no stages: the source comes out as is', async () => {
    expect(await collect(pipeline([1, 2, 3]))).toEqual([1, 2, 3]);
    const src = chan<number>(3);
    src.trySend(1);
    src.trySend(2);
    src.close();
    expect(await collect(pipeline(src))).toEqual([1, 2]);
  });

  it('bad arguments are TypeErrors at the call site', () => {
    expect(() => pipeline(42 as never)).toThrow(TypeError);
    expect(() => pipeline([1], {} as never)).toThrow(TypeError);
    expect(() => stage(42 as never)).toThrow(TypeError);
    expect(() => stage((x: number) => x, { concurrency: 0 })).toThrow(RangeError);
  });
});

describe('fromIterable and collect', () => {
  it('feeds sync and async iterables, then closes', async () => {
    expect(await collect(fromIterable(new Set(['a', 'b'])))).toEqual(['a', 'b']);
    async function* gen(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i++) {
        await delay(1);
        yield i;
      }
    }
    expect(await collect(fromIterable(gen(), { capacity: 0 }))).toEqual(range(5));
  });

  it('an iterable that throws: the values before it, then the error', async () => {
    function* bad(): Generator<number> {
      yield 1;
      yield 2;
      throw new RangeError('iterator broke');
    }
    const ch = fromIterable(bad());
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of ch) got.push(v);
      })(),
    ).rejects.toThrow('iterator broke');
    expect(got).toEqual([1, 2]);
  });

  it('collect with a context stops early', async () => {
    const [ctx, cancel] = withCancel(background());
    const src = chan<number>();
    const p = collect(src, { ctx });
    await src.send(1);
    cancel();
    expect(await p).toEqual([1]);
  });
});

describe('channel helpers', () => {
  let prev: Clock | undefined;
  afterEach(() => {
    if (prev) setClock(prev);
    prev = undefined;
  });

  it('merge: every value of every input, once; closed after the last input', async () => {
    const a = fromIterable(range(100));
    const b = fromIterable(range(100).map((x) => 1000 + x));
    const c = chan<number>();
    c.close();
    const got = await collect(merge(a, b, c, { capacity: 4 }));
    expect(got.length).toBe(200);
    expect(got.filter((x) => x < 1000)).toEqual(range(100));
    expect(got.filter((x) => x >= 1000)).toEqual(range(100).map((x) => 1000 + x));
    expect(await collect(merge())).toEqual([]);
  });

  it('fanOut: each value to exactly one output; all closed at the end', async () => {
    const outs = fanOut(fromIterable(range(300)), 3, { capacity: 2 });
    const parts = await Promise.all(outs.map((o) => collect(o)));
    expect(parts.flat().sort((x, y) => x - y)).toEqual(range(300));
    for (const p of parts) expect(p).toEqual([...p].sort((x, y) => x - y));
  });

  it('tee: every value to every output, in order', async () => {
    const outs = tee(fromIterable(range(100)), 3, { capacity: 1 });
    const parts = await Promise.all(outs.map((o) => collect(o)));
    for (const p of parts) expect(p).toEqual(range(100));
  });

  it('batch: by size, by time (virtual clock), and the last partial batch', async () => {
    expect(await collect(batch(fromIterable(range(10)), 4, Infinity))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const clock = virtualClock();
    prev = setClock(clock);
    const src = chan<number>();
    const batches = batch(src, 100, 20);
    await src.send(1);
    await src.send(2);
    clock.advance(19);
    await delay(20);
    expect(batches.len).toBe(0);
    clock.advance(1);
    expect(await batches.recv()).toEqual([1, 2]); // at 20 virtual ms, not full
    await src.send(3);
    src.close();
    expect(await collect(batches)).toEqual([[3]]);
  });

  it('rateLimit: at most perSecond values per second; burst after a pause', async () => {
    const n = 10;
    const t0 = Date.now();
    const got = await collect(rateLimit(fromIterable(range(n)), 200));
    const ms = Date.now() - t0;
    expect(got).toEqual(range(n));
    expect(ms).toBeGreaterThanOrEqual((n - 1) * 5 - 3);
    const burstStart = Date.now();
    const bursty = await collect(rateLimit(fromIterable(range(5)), 10, { burst: 5 }));
    expect(bursty).toEqual(range(5));
    expect(Date.now() - burstStart).toBeLessThan(90);
    expect(() => rateLimit(chan(), 0)).toThrow(RangeError);
  });

  it('helpers stop when their context is done', async () => {
    const [ctx, cancel] = withCancel(background());
    const src = chan<number>();
    const m = merge(src, { ctx });
    const r = rateLimit(chan<number>(), 1, { ctx });
    cancel();
    expect(await within(collect(m), 500)).toEqual([]);
    expect(await within(collect(r), 500)).toEqual([]);
  });
});

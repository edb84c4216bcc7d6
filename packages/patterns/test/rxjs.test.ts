// @gocsp/patterns/rxjs: marble tests (TestScheduler, virtual time) for the
// channel adapters; real workers for parallelMap.
import { afterAll, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Observable, Subject, firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import { runtime, spawn } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { AtomicInt32 } from '@gocsp/sync';
import { collect } from '@gocsp/patterns';
import { OverflowError, fromChannel, parallelMap, toChannel } from '@gocsp/patterns/rxjs';
import { delay, range, rng, scale, tasks } from './util.js';

afterAll(async () => {
  await runtime.shutdown();
});

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A channel holding `values`, then closed (or not). */
function filled<T>(values: T[], close = true): ReturnType<typeof chan<T>> {
  const ch = chan<T>(values.length);
  for (const v of values) ch.trySend(v);
  if (close) ch.close();
  return ch;
}

describe('fromChannel (marbles)', () => {
  it('emits the ready values at once and completes when the channel is closed', () => {
    scheduler().run(({ expectObservable }) => {
      expectObservable(fromChannel(filled(['a', 'b', 'c']))).toBe('(abc|)');
    });
  });

  it('take(n) unsubscribes: the rest stays in the channel, nothing lost', async () => {
    const ch = filled(['a', 'b', 'c', 'd', 'e']);
    scheduler().run(({ expectObservable }) => {
      expectObservable(fromChannel(ch).pipe(take(2))).toBe('(ab|)');
    });
    expect(await collect(ch)).toEqual(['c', 'd', 'e']);
  });

  it('an open channel: values as they are sent, complete on close; unsubscribe cancels the pending receive', async () => {
    const ch = chan<number>();
    const seen: number[] = [];
    let completed = false;
    const sub = fromChannel(ch).subscribe({
      next: (v) => seen.push(v),
      complete: () => (completed = true),
    });
    await ch.send(1);
    await ch.send(2);
    expect(seen).toEqual([1, 2]);
    sub.unsubscribe();
    // The pending receive was cancelled: a new receiver gets the next value.
    const next = ch.recv();
    await ch.send(3);
    expect(await next).toBe(3);
    expect(completed).toBe(false);
    const all = lastValueFrom(fromChannel(ch).pipe(toArray()));
    await ch.send(4);
    ch.close();
    expect(await all).toEqual([4]);
  });

  it('values from goroutines on other threads', async () => {
    const ch = chan<number>(4);
    const pushed = Promise.all(
      range(3).map((k) =>
        spawn(
          async (c: typeof ch, k: number) => {
            for (let i = 0; i < 50; i++) await c.send(k * 100 + i);
          },
          ch,
          k,
        ),
      ),
    );
    const got = firstValueFrom(fromChannel(ch).pipe(take(150), toArray()));
    await pushed;
    expect((await got).sort((a, b) => a - b)).toEqual(
      range(3).flatMap((k) => range(50).map((i) => k * 100 + i)),
    );
  });
});

describe('toChannel (marbles)', () => {
  it('lossless by default: values beyond the capacity wait, in order', async () => {
    let ch!: ReturnType<typeof toChannel<string>>;
    scheduler().run(({ cold }) => {
      ch = toChannel(cold('a-b-c-d-e|'), { capacity: 2 });
    });
    expect(await collect(ch)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await ch.wait();
  });

  it('dropNewest keeps the first values; dropOldest the last ones', async () => {
    let newest!: ReturnType<typeof toChannel<string>>;
    let oldest!: ReturnType<typeof toChannel<string>>;
    scheduler().run(({ cold }) => {
      newest = toChannel(cold('a-b-c-d-e|'), { capacity: 2, overflow: 'dropNewest' });
      oldest = toChannel(cold('a-b-c-d-e|'), { capacity: 2, overflow: 'dropOldest' });
    });
    expect(await collect(newest)).toEqual(['a', 'b']);
    expect(await collect(oldest)).toEqual(['d', 'e']);
  });

  it('error policy: an OverflowError, after the values that fit', async () => {
    let ch!: ReturnType<typeof toChannel<string>>;
    scheduler().run(({ cold }) => {
      ch = toChannel(cold('a-b-c|'), { capacity: 2, overflow: 'error' });
    });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const v of ch) got.push(v);
      })(),
    ).rejects.toBeInstanceOf(OverflowError);
    expect(got).toEqual(['a', 'b']);
  });

  it('a synchronous source that overflows during subscribe is unsubscribed', async () => {
    let produced = 0;
    const src = new Observable<number>((s) => {
      for (let i = 0; i < 100 && !s.closed; i++) {
        produced++;
        s.next(i);
      }
      s.complete();
    });
    const ch = toChannel(src, { capacity: 3, overflow: 'error' });
    expect(produced).toBe(4);
    expect(await collect(ch).catch((e: unknown) => e)).toBeInstanceOf(OverflowError);
    expect(await collect(toChannel(from(range(10)), { capacity: 3 }))).toEqual(range(10));
  });

  it('an Observable error arrives after the values before it', async () => {
    let ch!: ReturnType<typeof toChannel<string>>;
    scheduler().run(({ cold }) => {
      ch = toChannel(cold('a-b-#', undefined, new RangeError('source failed')), { capacity: 1 });
    });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const v of ch) got.push(v);
      })(),
    ).rejects.toThrow('source failed');
    expect(got).toEqual(['a', 'b']);
  });

  it('a live source with a consumer goroutine; cancel() unsubscribes', async () => {
    const subject = new Subject<number>();
    const ch = toChannel(subject, { capacity: 4 });
    for (let i = 0; i < 10; i++) subject.next(i);
    expect(subject.observed).toBe(true);
    const first = await ch.recv();
    expect(first).toBe(0);
    ch.cancel();
    expect(subject.observed).toBe(false);
    await expect(ch.wait()).rejects.toThrow('context canceled');
  });
});

describe('parallelMap (real workers)', () => {
  it('maps on the worker runtime, in input order under random durations', async () => {
    const r = rng();
    const n = scale(200);
    const jobs = range(n).map((i) => ({ ms: Math.floor(r() * 5), value: i }));
    const got = await lastValueFrom(
      from(jobs).pipe(parallelMap(tasks.delayed, { concurrency: 4 }), toArray()),
    );
    expect(got).toEqual(range(n));
  });

  it('unordered: every value once', async () => {
    const got = await lastValueFrom(
      from(range(500)).pipe(
        parallelMap((x: number) => x * 2, { concurrency: 2, ordered: false }),
        toArray(),
      ),
    );
    expect([...got].sort((a, b) => a - b)).toEqual(range(500).map((x) => x * 2));
  });

  it('a hot source: results in order as values are produced', async () => {
    const src = new Subject<number>();
    const out: number[] = [];
    let done = false;
    src
      .pipe(parallelMap((x: number) => x + 100))
      .subscribe({ next: (v) => out.push(v), complete: () => (done = true) });
    for (let i = 0; i < 5; i++) {
      src.next(i);
      await delay(5);
    }
    src.complete();
    while (!done) await delay(2);
    expect(out).toEqual([100, 101, 102, 103, 104]);
  });

  it('a task error errors the output, with its class', async () => {
    const err = await lastValueFrom(
      from(range(50).map((v) => ({ v, bad: [13] }))).pipe(
        parallelMap(tasks.doubleOrFail, { concurrency: 2 }),
      ),
    ).catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ name: 'JobError', code: 'E_BAD', message: 'bad value 13' });
  });

  it('unsubscribing stops the workers', async () => {
    const calls = new AtomicInt32();
    const first = await firstValueFrom(
      from(range(10_000).map((v) => ({ v, calls }))).pipe(
        parallelMap(tasks.counted, { concurrency: 2, buffer: 4 }),
      ),
    );
    expect(first.v).toBe(0);
    await delay(50);
    const c = calls.load();
    await delay(50);
    expect(calls.load()).toBe(c);
    expect(c).toBeLessThan(100);
  });

  it('an empty source completes; an idle one keeps nothing parked', async () => {
    expect(
      await lastValueFrom(
        from([] as number[]).pipe(
          parallelMap((x: number) => x),
          toArray(),
        ),
      ),
    ).toEqual([]);
  });
});

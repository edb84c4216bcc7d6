// The goroutine API's contract: arguments and results across threads, errors
// crossing threads, captured variables, spawnWith cancellation, queries and
// validation, shutdown, and the trace.
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RuntimeStoppedError,
  go,
  gomaxprocs,
  gosched,
  numCPU,
  numGoroutine,
  runtime,
  sleep,
  spawn,
  spawnWith,
} from '@gocsp/core';
import { chan, type Channel } from '@gocsp/channels';
import { AtomicInt32, WaitGroup } from '@gocsp/sync';
import { delay, scale, tasks, until, within } from './util.js';

afterAll(async () => {
  await runtime.shutdown();
});

describe('before the runtime starts', () => {
  // First in the file: nothing has started a runtime in this process yet.
  it('stats, numGoroutine and gomaxprocs work, and gomaxprocs(n) sets the starting size', async () => {
    const s = runtime.stats();
    expect(s.running).toBe(false);
    expect(s.ps).toEqual([]);
    expect(numGoroutine()).toBe(1);
    const def = gomaxprocs();
    expect(def).toBe(
      process.env.GOMAXPROCS ? Number(process.env.GOMAXPROCS) : Math.min(numCPU(), 64),
    );
    expect(gomaxprocs(3)).toBe(def);
    expect(gomaxprocs()).toBe(3);
    expect(runtime.stats().running).toBe(false); // setting it does not start anything
    expect(() => runtime.stopTrace()).toThrow(/thread that started the runtime/);
    expect(await spawn((a: number, b: number) => a * b, 6, 7)).toBe(42);
    expect(runtime.stats().running).toBe(true);
    expect(runtime.stats().gomaxprocs).toBe(3);
    expect(runtime.stats().ps).toHaveLength(3);
    gomaxprocs(2);
  });
});

describe('arguments and results', () => {
  it('shared objects arrive live: AtomicInt32 and WaitGroup across many goroutines', async () => {
    const n = scale(200);
    const counter = new AtomicInt32();
    const wg = new WaitGroup();
    wg.add(n);
    for (let i = 0; i < n; i++) {
      go(
        (c: AtomicInt32, wg: WaitGroup, i: number) => {
          c.add(i);
          wg.done();
        },
        counter,
        wg,
        i,
      );
    }
    await within(wg.wait(), 20_000, 'wg.wait()');
    expect(counter.load()).toBe((n * (n - 1)) / 2);
  });

  it('a channel argument is live both ways; a channel returned by spawn keeps working', async () => {
    const ping = chan<number>();
    const pong = chan<number>();
    const echo = spawn(
      async (ping: Channel<number>, pong: Channel<number>) => {
        let sum = 0;
        for await (const v of ping) {
          sum += v;
          await pong.send(v * 10);
        }
        return sum;
      },
      ping,
      pong,
    );
    for (let i = 1; i <= 5; i++) {
      await ping.send(i);
      expect(await pong.recv()).toBe(i * 10);
    }
    ping.close();
    expect(await echo).toBe(15);

    // Made on a worker, returned by value: the main thread gets the live channel
    // while a goroutine over there still sends into it.
    const ch = await spawn(tasks.producer, 50);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('a taskModule reference passed as an argument still runs there', async () => {
    expect(await spawn(tasks.runRef, tasks.double, 21)).toBe(42);
  });

  it('values are copied with structured clone: Map, Set, Date, bigint, typed arrays, nesting, cycles', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const value = {
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, { b: [3n] }],
      ]),
      set: new Set(['x', 7]),
      date: new Date(Date.UTC(2020, 1, 29)),
      big: -(2n ** 70n),
      bytes: new Uint8Array([1, 2, 255]),
      f64: new Float64Array([0.5, -0]),
      nested: [[{ deep: undefined, nul: null }]],
      cyclic,
      re: /a+b/gi,
    };
    const back = await spawn((v: typeof value) => v, value);
    expect(back).toEqual(value);
    expect(back.cyclic.self).toBe(back.cyclic);
    // ...and on the worker they are the real types.
    const kinds = await spawn(
      (v: typeof value) => [
        v.map instanceof Map,
        v.set instanceof Set,
        v.date instanceof Date && v.date.getUTCDate() === 29,
        typeof v.big,
        v.bytes instanceof Uint8Array,
        v.re instanceof RegExp,
      ],
      value,
    );
    expect(kinds).toEqual([true, true, true, 'bigint', true, true]);
  });

  it('every function form ships: arrow, function expression, declaration, method shorthand, async', async () => {
    function declared(a: number): number {
      return a + 1;
    }
    const obj = {
      double(this: void, x: number) {
        return x * 2;
      },
      async half(this: void, x: number) {
        await new Promise((r) => setTimeout(r, 1));
        return x / 2;
      },
    };
    expect(await spawn((a: number) => a - 1, 1)).toBe(0);
    expect(
      await spawn(function (a: number) {
        return a * 3;
      }, 2),
    ).toBe(6);
    expect(await spawn(declared, 1)).toBe(2);
    expect(await spawn(obj.double, 21)).toBe(42);
    expect(await spawn(obj.half, 84)).toBe(42);
  });

  it('numbers keep their exact value both ways (-0, NaN, Infinity, huge and tiny)', async () => {
    const id = (a: number, b: number) => [a, b];
    expect(await spawn(id, -0, NaN)).toEqual([-0, NaN]);
    expect(Object.is((await spawn(id, -0, 1))[0], -0)).toBe(true);
    expect(await spawn(id, Infinity, -Number.MAX_VALUE)).toEqual([Infinity, -Number.MAX_VALUE]);
    expect(await spawn(id, Number.MIN_VALUE, 2 ** 53 + 2)).toEqual([Number.MIN_VALUE, 2 ** 53 + 2]);
    expect(Object.is(await spawn(() => -0), -0)).toBe(true);
    expect(await spawn(() => NaN)).toBeNaN();
    expect(await spawn((a: number, b: string, c: number) => `${a}${b}${c}`, 1, '+', 2)).toBe('1+2');
    expect(await spawn(() => undefined)).toBeUndefined();
    expect(await spawn(() => null)).toBeNull();
  });

  it('an uncloneable argument throws a TypeError from go() and nothing runs; spawn rejects', async () => {
    await spawn(() => 0);
    const s0 = runtime.stats();
    const g0 = numGoroutine();
    const hits = new AtomicInt32();
    expect(() =>
      go(
        (h: AtomicInt32, _f: unknown) => h.add(1),
        hits,
        () => 1,
      ),
    ).toThrow(TypeError);
    expect(() => go((h: AtomicInt32, _s: unknown) => h.add(1), hits, Symbol('s'))).toThrow(
      TypeError,
    );
    await expect(
      spawn(
        (h: AtomicInt32, _f: unknown) => h.add(1),
        hits,
        () => 1,
      ),
    ).rejects.toThrow(TypeError);
    // Messages name the culprit: the argument and its type; the kind of function.
    await expect(
      spawn(
        (h: AtomicInt32, _f: unknown) => h.add(1),
        hits,
        () => 1,
      ),
    ).rejects.toThrow(/^argument 2 of spawn is a function, which cannot be sent to a goroutine: /);
    expect(() => go(42 as unknown as () => void)).toThrow(TypeError);
    expect(() => go(42 as unknown as () => void)).toThrow(/got 42$/);
    expect(() => go(Math.max)).toThrow(/^go: the goroutine function max is a native function/);
    function named(): void {}
    expect(() => go(named.bind(null))).toThrow(
      /^go: the goroutine function is a bound function \(named\.bind\(\.\.\.\)\), whose/,
    );
    // An anonymous bound function: no name, and no double space where it would be.
    expect(() => go((() => {}).bind(null))).toThrow(
      /^go: the goroutine function is a bound function, whose/,
    );
    expect(() => go((() => {}).bind(null))).not.toThrow(/ {2}/);
    await delay(50);
    expect(hits.load()).toBe(0);
    expect(numGoroutine()).toBe(g0);
    expect(runtime.stats().spawned).toBe(s0.spawned);
  });

  it('a result that cannot be cloned rejects the spawn with a TypeError that says so', async () => {
    await expect(spawn(() => () => 1)).rejects.toThrow(/result cannot be sent back/);
    await expect(spawn(() => () => 1)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('errors crossing threads', () => {
  it('spawn rejects with the original error: class, message, stack, cause, own properties', async () => {
    const err = await spawn(() => {
      class ValidationError extends Error {
        code = 'E_INVALID';
        field = 'name';
        constructor(msg: string, opts?: ErrorOptions) {
          super(msg, opts);
          this.name = 'ValidationError';
        }
      }
      function validate(): never {
        throw new ValidationError('name is empty', { cause: new RangeError('length 0 < 1') });
      }
      validate();
    }).then(
      () => expect.fail('spawn resolved'),
      (e: unknown) => e as Error & { code: string; field: string },
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ValidationError');
    expect(err.constructor.name).toBe('ValidationError');
    expect(err.message).toBe('name is empty');
    expect(err.code).toBe('E_INVALID');
    expect(err.field).toBe('name');
    expect(err.stack).toMatch(/ValidationError: name is empty/);
    expect(err.stack).toMatch(/validate/); // the goroutine's own frames
    expect(err.cause).toBeInstanceOf(RangeError);
    expect((err.cause as Error).message).toBe('length 0 < 1');
  });

  it('built-in classes stay real (instanceof), async throws and thrown non-errors too', async () => {
    await expect(
      spawn(async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw new TypeError('late');
      }),
    ).rejects.toSatisfy((e) => e instanceof TypeError && e.message === 'late');
    await expect(
      spawn(() => {
        throw Object.assign(new Error('with errno'), { errno: -2, syscall: 'open' });
      }),
    ).rejects.toMatchObject({ message: 'with errno', errno: -2, syscall: 'open' });
    await expect(
      spawn(() => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown non-error
        throw 'just a string';
      }),
    ).rejects.toBe('just a string');
    await expect(
      spawn(() => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown non-error
        throw { code: 7 };
      }),
    ).rejects.toEqual({ code: 7 });
  });

  it('AggregateError keeps its errors, DOMException its class and code (AbortError, TimeoutError)', async () => {
    const agg = await spawn(async () => {
      throw new AggregateError([new Error('a'), new TypeError('b')], 'all failed');
    }).then(
      () => expect.fail('spawn resolved'),
      (e: unknown) => e as AggregateError,
    );
    expect(agg).toBeInstanceOf(AggregateError);
    expect(agg.message).toBe('all failed');
    expect(agg.errors.map((e: Error) => [e.constructor, e.message])).toEqual([
      [Error, 'a'],
      [TypeError, 'b'],
    ]);
    const dom = await spawn(async () => {
      throw new DOMException('took too long', 'TimeoutError');
    }).then(
      () => expect.fail('spawn resolved'),
      (e: unknown) => e as DOMException,
    );
    expect(dom).toBeInstanceOf(DOMException);
    expect([dom.name, dom.message, dom.code]).toEqual([
      'TimeoutError',
      'took too long',
      DOMException.TIMEOUT_ERR,
    ]);
  });

  it('a captured variable rejects with a ReferenceError naming it and saying to pass it', async () => {
    const secretFactor = 6;
    const err = await spawn((x: number) => x * secretFactor, 7).then(
      () => expect.fail('spawn resolved'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(ReferenceError);
    expect(err.message).toMatch(/"secretFactor"/);
    expect(err.message).toMatch(/argument/);
    expect((err.cause as Error).message).toBe('secretFactor is not defined');
    // Passed as an argument, it works.
    expect(await spawn((x: number, f: number) => x * f, 7, secretFactor)).toBe(42);
  });
});

describe('spawnWith', () => {
  it('an already-aborted signal rejects at once with its reason; the function never runs', async () => {
    const hits = new AtomicInt32();
    const reason = new Error('not wanted');
    const p = spawnWith({ signal: AbortSignal.abort(reason) }, (h: AtomicInt32) => h.add(1), hits);
    await expect(p).rejects.toBe(reason);
    await spawn(() => 0); // the runtime ran something after it
    await delay(50);
    expect(hits.load()).toBe(0);
  });

  it('aborting a queued goroutine (its only P busy) means it never runs', async () => {
    const prev = gomaxprocs(1);
    await until(() => runtime.stats().ps.length === 1, 'one P');
    const hits = new AtomicInt32();
    const busy = spawn((ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end);
      return 'busy done';
    }, 400);
    await until(() => runtime.stats().ps[0]!.live === 1, 'the busy goroutine to start');
    const ac = new AbortController();
    const queued = spawnWith({ signal: ac.signal }, (h: AtomicInt32) => h.add(1), hits);
    const t0 = performance.now();
    ac.abort('changed my mind');
    await expect(queued).rejects.toBe('changed my mind');
    expect(performance.now() - t0).toBeLessThan(200); // at once, not when the P frees up
    expect(await busy).toBe('busy done');
    expect(await spawn(() => 'after')).toBe('after'); // the P went past the dropped G
    await until(() => numGoroutine() === 1, 'the dropped goroutine to be freed');
    expect(hits.load()).toBe(0);
    gomaxprocs(prev);
  });

  it('aborting a running goroutine rejects with the reason; the worker keeps working', async () => {
    const hits = new AtomicInt32();
    const ac = new AbortController();
    const running = spawnWith(
      { signal: ac.signal },
      async (h: AtomicInt32) => {
        h.add(1);
        await new Promise((r) => setTimeout(r, 300));
        h.add(10); // it runs on: JavaScript cannot stop it
        return 'result dropped';
      },
      hits,
    );
    await until(() => hits.load() === 1, 'the goroutine to start');
    const reason = new DOMException('stop', 'AbortError');
    const t0 = performance.now();
    ac.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(250);
    expect(await spawn((a: number) => a + 1, 1)).toBe(2);
    await until(() => hits.load() === 11, 'the abandoned goroutine to run on');
    expect(runtime.stats().lost).toBe(0);
    // Aborting after the result arrived changes nothing.
    const late = new AbortController();
    const done = spawnWith({ signal: late.signal }, () => 'kept');
    expect(await done).toBe('kept');
    late.abort();
    await until(() => numGoroutine() === 1, 'every goroutine to finish');
  });
});

describe('queries and validation', () => {
  it('numCPU, gomaxprocs query and validation', () => {
    expect(numCPU()).toBe(availableParallelism());
    const cur = gomaxprocs();
    expect(gomaxprocs(0)).toBe(cur);
    for (const bad of [0.5, -1, 1000, 65, NaN, Infinity, '2' as unknown as number]) {
      expect(() => gomaxprocs(bad), String(bad)).toThrow(RangeError);
    }
    expect(gomaxprocs()).toBe(cur); // unchanged by the bad calls
    expect(runtime.stats().gomaxprocs).toBe(cur);
  });

  it('numGoroutine counts live goroutines on all threads, and the main one', async () => {
    await until(() => numGoroutine() === 1, 'a quiet runtime');
    const gate = chan<void>();
    const n = 5;
    for (let i = 0; i < n; i++) go(async (g: Channel<void>) => void (await g.recv()), gate);
    expect(numGoroutine()).toBe(1 + n);
    expect(runtime.stats().goroutines).toBe(1 + n);
    await delay(50);
    expect(numGoroutine()).toBe(1 + n); // parked, still alive
    gate.close();
    await until(() => numGoroutine() === 1, 'the released goroutines to finish');
  });

  it('inside a goroutine: gomaxprocs() and numGoroutine() answer, gomaxprocs(n) throws', async () => {
    await until(() => numGoroutine() === 1, 'a quiet runtime');
    const gate = chan<void>();
    go(async (g: Channel<void>) => void (await g.recv()), gate);
    const seen = await spawn(tasks.inside, 3);
    gate.close();
    expect(seen.procs).toBe(gomaxprocs());
    expect(seen.goroutines).toBe(3); // main, the parked one, and itself
    expect(seen.running).toBe(true);
    expect(seen.set).toMatch(/^GocspError: .*only on the thread that started the runtime/);
    expect(runtime.stats().gomaxprocs).toBe(seen.procs);
  });

  it('sleep validates its argument; sleep and gosched resolve', async () => {
    for (const bad of [-1, NaN, 'x' as unknown as number, undefined as unknown as number]) {
      await expect(sleep(bad), String(bad)).rejects.toThrow(RangeError);
    }
    await expect(sleep(0)).resolves.toBeUndefined();
    const t0 = performance.now();
    await sleep(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    await expect(gosched()).resolves.toBeUndefined();
  });

  it('stats are consistent: counters move with the work, totals are the sums of the per-P ones', async () => {
    await until(() => numGoroutine() === 1, 'a quiet runtime');
    const s0 = runtime.stats();
    await Promise.all(Array.from({ length: 100 }, (_, i) => spawn((x: number) => x, i)));
    await until(() => numGoroutine() === 1, 'a quiet runtime');
    const s = runtime.stats();
    expect(s.running).toBe(true);
    expect(s.spawned - s0.spawned).toBe(100);
    expect(s.completed - s0.completed).toBe(100);
    // A goroutine dropped unrun (spawnWith aborted) is neither completed nor lost.
    expect(s.completed + s.lost).toBeLessThanOrEqual(s.spawned);
    expect(s.goroutines).toBe(1);
    expect(s.ps.length).toBe(s.gomaxprocs);
    for (const p of s.ps) {
      expect(p.started).toBeGreaterThanOrEqual(p.completed);
      expect(p.live).toBe(0);
    }
    expect(s.parks).toBe(s.ps.reduce((a, p) => a + p.parks, 0));
  });
});

describe('trace', () => {
  it('records run slices per P and scheduling instants as Chrome trace JSON', async () => {
    gomaxprocs(2);
    await spawn(() => 0);
    runtime.startTrace();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        spawn(async (i: number) => {
          let x = 0;
          for (let k = 0; k < 20_000; k++) x += k % (i + 1);
          await new Promise((r) => setTimeout(r, 1));
          return x;
        }, i),
      ),
    );
    const t = await runtime.stopTrace();
    const ids = runtime.stats().ps.map((p) => p.id);
    const runs = t.traceEvents.filter((e) => e.ph === 'X');
    expect(runs.length).toBeGreaterThanOrEqual(40);
    for (const e of runs) {
      expect(ids).toContain(e.tid);
      expect(e.dur).toBeGreaterThan(0);
      expect(e.name).toMatch(/^G\d+ /);
    }
    const names = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    for (const id of ids) expect(names.some((e) => e.tid === id)).toBe(true);
    expect(t.traceEvents.some((e) => e.ph === 'i' && e.name === 'spawn')).toBe(true);
    const ts = t.traceEvents.map((e) => e.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    const json = JSON.stringify(t);
    expect((JSON.parse(json) as typeof t).traceEvents).toHaveLength(t.traceEvents.length);
    // Not recording any more.
    await spawn(() => 0);
    const again = await (async () => {
      runtime.startTrace();
      return runtime.stopTrace();
    })();
    expect(again.traceEvents.filter((e) => e.ph === 'X')).toHaveLength(0);
  });
});

describe('shutdown', () => {
  it('abandons unfinished goroutines (their spawns reject); the next go starts a fresh runtime', async () => {
    const slow = spawn(() => new Promise((r) => setTimeout(r, 10_000)));
    const queued = Array.from({ length: 20 }, () =>
      spawn(() => new Promise((r) => setTimeout(r, 10_000))),
    );
    await until(() => runtime.stats().ps.some((p) => p.live > 0), 'a goroutine to start');
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      await within(runtime.shutdown(), 10_000, 'shutdown');
      for (const p of [slow, ...queued]) {
        await expect(within(p, 5_000, 'an abandoned spawn')).rejects.toBeInstanceOf(
          RuntimeStoppedError,
        );
      }
      expect(runtime.stats().running).toBe(false);
      expect(numGoroutine()).toBe(1);
      await runtime.shutdown(); // twice is fine
      expect(await spawn((a: number) => a + 1, 41)).toBe(42);
      expect(runtime.stats().spawned).toBe(1);
      await delay(20);
    } finally {
      process.off('warning', onWarning);
    }
    // Abandoning is not a worker death: no WorkerDiedWarning.
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it('while goroutines keep spawning: shutdown completes; go/spawn during it get RuntimeStoppedError', async () => {
    go(tasks.keepSpawning);
    go(tasks.keepSpawning);
    await until(() => runtime.stats().spawned > 1000, 'goroutines spawning goroutines');
    const stopping = runtime.shutdown();
    expect(() => go(() => 0)).toThrow(RuntimeStoppedError);
    await expect(spawn(() => 0)).rejects.toThrow(/await runtime.shutdown\(\)/);
    await within(stopping, 10_000, 'shutdown');
    expect(numGoroutine()).toBe(1);
    expect(await spawn(() => 'fresh')).toBe('fresh');
  });
});

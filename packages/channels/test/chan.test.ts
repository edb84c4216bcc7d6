// Conformance of channel operations: Go's runtime/chan_test.go (TestChan) and
// test/chan/*.go, ported. Each block cites its Go source.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  ClosedChannelError,
  after,
  chan,
  codecs,
  onDefault,
  onRecv,
  select,
  type Channel,
} from '@gocsp/channels';
import { scale } from './util.js';
import { childEnv } from '../../../tools/testkit.mjs';

/** True if `p` is still pending after `ms` (a bounded check for "blocks"). */
async function blocks(p: Promise<unknown>, ms = 20): Promise<boolean> {
  const timeout = Symbol('timeout');
  const r = await Promise.race([p, new Promise((res) => setTimeout(() => res(timeout), ms))]);
  return r === timeout;
}

describe('TestChan matrix (runtime/chan_test.go)', () => {
  const N = 20;
  for (let cap = 0; cap < N; cap += cap < 3 ? 1 : 7) {
    describe(`cap ${cap}`, () => {
      it('receive from an empty channel blocks; tryRecv would block', async () => {
        const c = chan<number>(cap);
        expect(c.tryRecv()).toBeUndefined();
        const p = c.recv();
        expect(await blocks(p)).toBe(true);
        if (!c.trySend(1)) await c.send(1);
        expect(await p).toBe(1);
      });

      it('send to a full channel blocks', async () => {
        const c = chan<number>(cap);
        for (let i = 0; i < cap; i++) await c.send(i);
        expect(c.trySend(99)).toBe(false);
        const p = c.send(99);
        expect(await blocks(p)).toBe(true);
        for (let i = 0; i < cap; i++) expect(await c.recv()).toBe(i);
        expect(await c.recv()).toBe(99);
        await p;
      });

      it('receive from a closed channel gives the zero value at once, after draining', async () => {
        const c = chan<number>(cap);
        for (let i = 0; i < cap; i++) await c.send(i);
        c.close();
        for (let i = 0; i < cap; i++) expect(await c.recvOk()).toEqual([i, true]);
        for (let i = 0; i < 3; i++) expect(await c.recvOk()).toEqual([undefined, false]);
        expect(c.tryRecv()).toEqual([undefined, false]);
      });

      it('close unblocks receivers and fails blocked senders', async () => {
        const c = chan<number>(cap);
        const r = c.recvOk();
        await blocks(r, 5);
        c.close();
        expect(await r).toEqual([undefined, false]);
        const d = chan<number>(cap);
        for (let i = 0; i < cap; i++) await d.send(i);
        const s = d.send(1);
        await blocks(s, 5);
        d.close();
        await expect(s).rejects.toThrow(ClosedChannelError);
        await expect(s).rejects.toThrow('send on closed channel');
        await expect(d.send(1)).rejects.toThrow('send on closed channel');
        expect(() => d.trySend(1)).toThrow('send on closed channel');
        expect(() => d.close()).toThrow('close of closed channel');
      });

      it('100 values arrive uncorrupted in FIFO order (sync and async receivers)', async () => {
        const c = chan<{ i: number; s: string }>(cap);
        const got: number[] = [];
        const recv = (async () => {
          for (let i = 0; i < 100; i++) {
            const v = (await c.recv())!;
            expect(v.s).toBe(`v${v.i}`);
            got.push(v.i);
          }
        })();
        for (let i = 0; i < 100; i++) await c.send({ i, s: `v${i}` });
        await recv;
        expect(got).toEqual([...Array(100).keys()]);
      });

      it('len and cap', async () => {
        const c = chan<number>(cap);
        expect(c.cap).toBe(cap);
        for (let i = 0; i < cap; i++) {
          expect(c.len).toBe(i);
          await c.send(i);
        }
        expect(c.len).toBe(cap);
      });
    });
  }
});

describe('test/chan/fifo.go', () => {
  it('AsynchFifo: a buffered channel is FIFO', async () => {
    const n = 10;
    const ch = chan<number>(n);
    for (let i = 0; i < n; i++) await ch.send(i);
    for (let i = 0; i < n; i++) expect(await ch.recv()).toBe(i);
  });

  it('SynchFifo: senders blocked on an unbuffered channel are served in order', async () => {
    const n = 10;
    const ch = chan<number>();
    const chain = async (j: number, inp: Channel<number>, out: Channel<number>) => {
      await inp.recv();
      const sent = ch.send(j); // blocks: nobody receives yet
      await out.send(0);
      await sent;
    };
    const start = chan<number>();
    let inp = start;
    const all: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const out = chan<number>();
      all.push(chain(i, inp, out));
      inp = out;
    }
    const done = start.send(0);
    await inp.recv();
    for (let i = 0; i < n; i++) expect(await ch.recv()).toBe(i);
    await Promise.all([...all, done]);
  });
});

describe('test/chan/nonblock.go', () => {
  it('non-blocking ops on unbuffered and buffered channels', async () => {
    for (const cap of [0, 1, 10]) {
      const c = chan<number>(cap);
      expect(c.tryRecv()).toBeUndefined();
      const r = c.recv();
      // A waiting receiver makes a non-blocking send succeed (Go's sleep loop).
      expect(c.trySend(7)).toBe(true);
      expect(await r).toBe(7);
      if (cap === 0) expect(c.trySend(1)).toBe(false);
      const s = c.send(8);
      await new Promise((res) => setTimeout(res, 1));
      expect(c.tryRecv()).toEqual([8, true]);
      await s;
      expect(await select([onRecv(c), onDefault(() => 'default')])).toBe('default');
    }
  });
});

describe('test/chan/goroutines.go', () => {
  it('a chain of 10,000 async functions passing a value', async () => {
    const n = scale(10_000);
    const leftmost = chan<number>();
    let right = leftmost;
    let left = leftmost;
    for (let i = 0; i < n; i++) {
      right = chan<number>();
      const [l, r] = [left, right];
      void (async () => l.send(1 + (await r.recv())!))();
      left = right;
    }
    await right.send(0);
    expect(await leftmost.recv()).toBe(n);
  });
});

describe('test/chan/zerosize.go', () => {
  it('channels of empty values work', async () => {
    const c = chan<undefined>(1);
    await c.send(undefined);
    expect(await c.recvOk()).toEqual([undefined, true]);
    const e = chan<Record<string, never>>();
    const r = e.recv();
    await e.send({});
    expect(await r).toEqual({});
  });
});

describe('values and codecs', () => {
  it('keeps structured-clone semantics, large values and typed errors', async () => {
    const c = chan<unknown>(4, { slotBytes: 16 });
    const big = 'x'.repeat(100_000);
    const values: unknown[] = [
      new Map([[1, { a: [1n, undefined, null] }]]),
      new Set(['s']),
      new Date(5),
      new Float64Array([1.5]),
      big,
      -0.5,
      true,
      123n,
    ];
    const recv = (async () => {
      const out: unknown[] = [];
      for (let i = 0; i < values.length; i++) out.push(await c.recv());
      return out;
    })();
    for (const v of values) await c.send(v);
    expect(await recv).toEqual(values);
    await expect(c.send(() => 1)).rejects.toThrow(TypeError);
    await expect(c.send({ f: () => 1 })).rejects.toThrow(/cannot send/);
    expect(c.len).toBe(0); // nothing was sent
  });

  it('plain objects and arrays (fast path) round-trip exactly, and the rest falls back', async () => {
    const c = chan<unknown>(16);
    const shared = { s: 1 };
    const sparse: unknown[] = [1];
    sparse[3] = 4;
    const values: unknown[] = [
      {
        id: 1,
        payload: 'x'.repeat(100),
        nested: { a: [1, 2.5, -0, NaN, Infinity, null, undefined] },
      },
      { unicode: 'héllo wörld ✓ 😀', long: 'é'.repeat(200), empty: '' },
      [[[]], {}, [true, false]],
      { [String(2 ** 31)]: 'big key', '': 'empty key' },
      { twice: [shared, shared] }, // identity kept: falls back to v8
      sparse, // holes kept: falls back
      { big: 1n, when: new Date(3) }, // not in the fast format
    ];
    for (const v of values) await c.send(v);
    const got: unknown[] = [];
    for (let i = 0; i < values.length; i++) got.push(await c.recv());
    expect(got).toEqual(values);
    expect(Object.is((got[0] as { nested: { a: unknown[] } }).nested.a[2], -0)).toBe(true);
    const twice = (got[4] as { twice: object[] }).twice;
    expect(twice[0]).toBe(twice[1]);
    expect(1 in (got[5] as unknown[])).toBe(false);
    // Holes survive the path that carries shared objects too.
    const inner = chan<number>(1);
    await c.send({ inner, holes: sparse });
    const back = (await c.recv()) as { inner: unknown; holes: unknown[] };
    expect(back.inner).toBe(inner);
    expect(1 in back.holes).toBe(false);
    expect(back.holes[3]).toBe(4);
  });

  it('explicit codecs', async () => {
    const i = chan<number>(2, { codec: codecs.int32 });
    await i.send(-5);
    expect(await i.recv()).toBe(-5);
    await expect(i.send(1.5)).rejects.toThrow(TypeError);
    const s = chan<string>(1, { codec: codecs.string });
    await s.send('héllo');
    expect(await s.recv()).toBe('héllo');
    const b = chan<Uint8Array>(1, { codec: codecs.bytes });
    await b.send(new Uint8Array([1, 2, 3]));
    expect([...(await b.recv())!]).toEqual([1, 2, 3]);
  });

  it('a channel of channels: channels inside values arrive live', async () => {
    const requests = chan<{ n: number; reply: Channel<number> }>();
    const server = (async () => {
      for await (const { n, reply } of requests) await reply.send(n + 1);
    })();
    for (let i = 0; i < 5; i++) {
      const reply = chan<number>();
      await requests.send({ n: i, reply });
      expect(await reply.recv()).toBe(i + 1);
    }
    requests.close();
    await server;
  });

  it('rejects a value larger than a channel can carry with a TypeError, and nothing is lost', async () => {
    // A 16 MiB heap carries values of up to 2 MiB.
    const script = `
      import { chan, select, onSend, onDefault } from '@gocsp/channels';
      const c = chan();
      const waiting = c.recv();
      const big = 'x'.repeat(3 * 1024 * 1024);
      const errs = [];
      await c.send(big).catch((e) => errs.push(e.constructor.name));
      try { c.trySend(big); } catch (e) { errs.push(e.constructor.name); }
      await select([onSend(c, big), onDefault()]).catch((e) => errs.push(e.constructor.name));
      await c.send('small');
      console.log(errs.join(','), await waiting, /GOCSP_MAX_MEMORY/.test(await c.send(big).catch((e) => e.message)));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { timeout: 20_000, env: childEnv({ GOCSP_MAX_MEMORY: '16' }) },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe('TypeError,TypeError,TypeError small true');
  });

  it('a channel dropped with values in its buffer frees them and releases the objects they hold', async () => {
    const script = `
      import { chan } from '@gocsp/channels';
      import * as substrate from '@gocsp/core/internal';
      import { Mutex } from '@gocsp/sync';
      const w = substrate.defaultWorld();
      const settle = async () => { for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); } };
      const mu = new Mutex();
      let c = chan(4, { slotBytes: 16 });
      await c.send({ mu, big: 'x'.repeat(10000) }); // out of line, holding a shared object
      const held = substrate.refsOf(w, mu.ref);
      c = null;
      await settle();
      console.log(held, substrate.refsOf(w, mu.ref));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--expose-gc', '--input-type=module', '-e', script],
        { timeout: 20_000, env: childEnv() },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe('2 1');
  });

  it('rejects bad capacities', () => {
    expect(() => chan(-1)).toThrow(RangeError);
    // A string where a number belongs shows as a string, with its type.
    expect(() => chan('3' as unknown as number)).toThrow(/, got "3" \(a string\)$/);
    expect(() => chan(1.5)).toThrow(RangeError);
  });
});

describe('cancellation', () => {
  it('an aborted recv consumes nothing; an aborted send delivers nothing', async () => {
    const c = chan<number>();
    const ac = new AbortController();
    const r = c.recv({ signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(r).rejects.toThrow('stop');
    const s = c.send(1, { signal: AbortSignal.timeout(5) });
    await expect(s).rejects.toThrow();
    expect(c.tryRecv()).toBeUndefined();
    const later = c.recv();
    expect(c.trySend(2)).toBe(true);
    expect(await later).toBe(2);
  });

  it('after() fires once', async () => {
    const t0 = Date.now();
    expect(typeof (await after(10).recv())).toBe('number');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5);
  });
});

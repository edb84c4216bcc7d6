// The batch forms (Channel.sendMany / recvMany and their *Sync twins): the
// same Go semantics as one send / receive per value - order, blocking on a
// full or empty buffer, close and abort - on every flavor: a local channel,
// a shared buffered one (the lock-free ring) and a shared unbuffered one.
import { describe, expect, it } from 'vitest';
import {
  ClosedChannelError,
  chan,
  codecs,
  onDefault,
  onSend,
  registerCodec,
  select,
  toShared,
  type Channel,
  type Codec,
} from '@gocsp/channels';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../../../tools/testkit.mjs';
import { runWorker } from './util.js';

const pending = Symbol('pending');
async function state(p: Promise<unknown>, ms = 20): Promise<unknown> {
  return Promise.race([p, new Promise((r) => setTimeout(() => r(pending), ms))]);
}

/** A channel moved to shared memory (the array / zero flavor) before use. */
function shared<T>(c: Channel<T>): Channel<T> {
  toShared(c);
  return c;
}

const FLAVORS: [string, (cap: number) => Channel<number>][] = [
  ['local', (cap) => chan<number>(cap)],
  ['shared, int32 codec', (cap) => shared(chan<number>(cap, { codec: codecs.int32 }))],
  ['shared, default codec', (cap) => shared(chan<number>(cap))],
];

for (const [flavor, make] of FLAVORS) {
  describe(`batches on a ${flavor} channel`, () => {
    it('sendMany then recvMany keep FIFO order; recvMany takes at most max, at least one', async () => {
      const c = make(100);
      expect(await c.sendMany([1, 2, 3, 4, 5])).toBe(5);
      expect(c.len).toBe(5);
      expect(await c.recvMany(2)).toEqual([1, 2]);
      expect(await c.recvMany(10)).toEqual([3, 4, 5]);
      const later = c.recvMany(10);
      expect(await state(later)).toBe(pending); // waits for one
      await c.send(6);
      expect(await later).toEqual([6]);
    });

    it('sendMany of any iterable waits on a full buffer, as send does', async () => {
      const c = make(4);
      function* gen(): Generator<number> {
        for (let i = 0; i < 10; i++) yield i;
      }
      const s = c.sendMany(gen());
      expect(await state(s)).toBe(pending);
      const got: number[] = [];
      while (got.length < 10) got.push(...(await c.recvMany(3)));
      expect(got).toEqual([...Array(10).keys()]);
      expect(await s).toBe(10);
    });

    it('a close stops sendMany with ClosedChannelError saying how many were sent; recvMany drains, then []', async () => {
      const c = make(3);
      const s = c.sendMany([1, 2, 3, 4, 5]);
      expect(await state(s)).toBe(pending);
      c.close();
      const e = (await s.catch((x: unknown) => x)) as ClosedChannelError;
      expect(e).toBeInstanceOf(ClosedChannelError);
      expect(e.sent).toBe(3);
      expect(await c.recvMany(10)).toEqual([1, 2, 3]);
      expect(await c.recvMany(10)).toEqual([]);
      await expect(c.sendMany([9])).rejects.toThrow('send on closed channel');
    });

    it('an abort rejects with the reason: a waiting recvMany took nothing, a waiting sendMany sent only what went before', async () => {
      const c = make(2);
      const ac = new AbortController();
      const r = c.recvMany(5, { signal: ac.signal });
      ac.abort(new Error('stop'));
      await expect(r).rejects.toThrow('stop');
      const ac2 = new AbortController();
      const s = c.sendMany([1, 2, 3, 4], { signal: ac2.signal });
      expect(await state(s)).toBe(pending);
      ac2.abort(new Error('enough'));
      await expect(s).rejects.toThrow('enough');
      expect(await c.recvMany(10)).toEqual([1, 2]);
      expect(c.tryRecv()).toBeUndefined();
      await expect(c.recvMany(1, { signal: AbortSignal.abort(new Error('pre')) })).rejects.toThrow(
        'pre',
      );
    });

    it('rejects a max that is not a positive integer', async () => {
      const c = make(1);
      await expect(c.recvMany(0)).rejects.toThrow(RangeError);
      await expect(c.recvMany(1.5)).rejects.toThrow(RangeError);
    });
  });
}

describe('batches on an unbuffered channel', () => {
  it('each value is a rendezvous: sendMany resolves once a receiver took the last', async () => {
    const c = shared(chan<number>());
    const s = c.sendMany([1, 2, 3]);
    expect(await state(s)).toBe(pending);
    const got: number[] = [];
    while (got.length < 3) got.push(...(await c.recvMany(2)));
    expect(got).toEqual([1, 2, 3]);
    expect(await s).toBe(3);
  });
});

describe('a value the codec refuses in the middle of a blocking batch (worker)', () => {
  it('sendManySync sends the values before it and throws the codec error (it used to spin for room)', async () => {
    const i = chan<number>(8, { codec: codecs.int32 });
    const d = chan<unknown>(8);
    const [ri, rd] = await Promise.all([
      runWorker('sendManySyncRefused', { ch: i, values: [1, 2.5, 3] }, 10_000).result,
      runWorker('sendManySyncRefused', { ch: d, values: [1, 2, 3, 4], fnAt: 2 }, 10_000).result,
    ]);
    expect(ri).toMatchObject({ threw: 'TypeError', len: 1 });
    expect(rd).toMatchObject({ threw: 'TypeError', len: 2 });
    expect(await i.recvMany(10)).toEqual([1]);
    expect(await d.recvMany(10)).toEqual([1, 2]);
  });
});

describe('a full shared heap in a batch', () => {
  it('the values before the failing one go, the error surfaces, and every encoding that did not go is given back once', async () => {
    const script = fileURLToPath(new URL('./fixtures/heap-full-batch.mjs', import.meta.url));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [script],
        { timeout: 30_000, env: childEnv({ GOCSP_MAX_MEMORY: '16' }) },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    type Case = { threw: string | null; got: unknown[]; unsentDisposes: number[] };
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      middle: Case;
      first: Case;
      select: { threw: string | null; disposes: number[] };
    };
    // Before the fix: the failing encoding was given back 3 times in the middle
    // of a run ([3, 1, 1]), and the rest of a run whose first value failed never ([1, 0, 0]).
    expect(r.middle).toEqual({ threw: 'CapacityError', got: [1, 2], unsentDisposes: [1, 1, 1] });
    expect(r.first).toEqual({ threw: 'CapacityError', got: [], unsentDisposes: [1, 1, 1] });
    // A select whose send must park, with no room left for its waiter nodes: never given back before the fix.
    expect(r.select).toEqual({ threw: 'CapacityError', disposes: [1] });
  });
});

describe('an encoding that is never sent (shared channel, eager codec with dispose)', () => {
  it('is given back exactly once: trySend on a full channel, send and select on a closed one', async () => {
    const made: Uint8Array[] = [];
    const disposed = new Map<Uint8Array, number>();
    const codec: Codec<number> = {
      name: 'one-byte-counted',
      encode: (v) => {
        const b = new Uint8Array([v]);
        made.push(b);
        return b;
      },
      decode: (b) => b[0]!,
      dispose: (b) => void disposed.set(b, (disposed.get(b) ?? 0) + 1),
    };
    registerCodec(101, codec);
    const ch = chan<number>(1, { codec });
    toShared(ch);
    await ch.send(1);
    /** How often each encoding made by `f` was given back. */
    const givenBack = async (f: () => unknown): Promise<number[]> => {
      made.length = 0;
      try {
        await f();
      } catch {
        // expected: closed
      }
      return made.map((b) => disposed.get(b) ?? 0);
    };
    // Before the fix: never given back ([0]) on all four.
    expect(await givenBack(() => ch.trySend(2))).toEqual([1]);
    expect(await givenBack(() => select([onSend(ch, 3, () => 0), onDefault(() => 1)]))).toEqual([
      1,
    ]);
    ch.close();
    expect(await givenBack(() => ch.send(4))).toEqual([1]);
    expect(await givenBack(() => ch.trySend(5))).toEqual([1]);
    expect(await givenBack(() => select([onSend(ch, 6, () => 0)]))).toEqual([1]);
    expect(await ch.recv()).toBe(1);
  });
});

describe('a value that fails to decode in a run', () => {
  it('recvMany throws its error with the values it received on it; nothing else is lost', async () => {
    const codec: Codec<string> = {
      name: 'strict-text',
      encode: (v) => new TextEncoder().encode(v),
      decode: (b) => {
        const s = new TextDecoder().decode(b);
        if (s === 'bad') throw new RangeError('cannot decode "bad"');
        return s;
      },
    };
    registerCodec(102, codec);
    for (const shared of [true, false]) {
      const ch = chan<string>(8, { codec });
      if (shared) toShared(ch);
      for (const v of ['a', 'bad', 'c', 'd']) await ch.send(v);
      ch.close();
      const got: string[] = [];
      const errors: unknown[] = [];
      for (;;) {
        try {
          const run = await ch.recvMany(8);
          if (run.length === 0) break;
          got.push(...run);
        } catch (e) {
          errors.push(e);
          got.push(...((e as { received?: string[] }).received ?? []));
        }
      }
      // Before: the shared channel lost 'a' (on no error) and 'c', 'd' (released undecoded).
      expect(got).toEqual(['a', 'c', 'd']);
      expect(errors.length).toBe(1);
      expect(errors[0]).toBeInstanceOf(RangeError);
    }
  });
});

describe('a value the codec refuses in the middle of a batch', () => {
  it('the values before it are sent, it throws the codec error, none after it is sent', async () => {
    for (const c of [chan<unknown>(10), shared(chan<unknown>(10))]) {
      await expect(c.sendMany([1, 2, () => 3, 4])).rejects.toThrow(TypeError);
      expect(await c.recvMany(10)).toEqual([1, 2]);
      expect(c.len).toBe(0);
    }
    for (const i of [
      chan<number>(10, { codec: codecs.int32 }),
      shared(chan<number>(10, { codec: codecs.int32 })),
    ]) {
      await expect(i.sendMany([1, 2.5, 3])).rejects.toThrow(TypeError);
      expect(await i.recvMany(10)).toEqual([1]);
    }
  });
});

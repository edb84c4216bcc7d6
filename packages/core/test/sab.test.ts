// SharedArrayBuffers inside values (API.md, "Shared objects travel by
// reference"): passed to goroutines, returned from them, sent on channels,
// alone or nested, plain or as a typed array or DataView - the receiver sees
// the same memory, never a copy, and gocsp does not keep buffers alive.
import { execFile } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { runtime, spawn, toShared } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { childEnv } from '../../../tools/testkit.mjs';

afterAll(async () => {
  await runtime.shutdown();
});

describe('SharedArrayBuffer in values', () => {
  it('passed to a goroutine, alone or nested in objects, arrays, Maps and Sets: the same memory', async () => {
    const sab = new SharedArrayBuffer(16);
    const i32 = new Int32Array(sab);
    await spawn((s: SharedArrayBuffer) => Atomics.store(new Int32Array(s), 0, 1), sab);
    await spawn(
      (v: {
        a: [SharedArrayBuffer];
        m: Map<string, SharedArrayBuffer>;
        s: Set<SharedArrayBuffer>;
      }) => {
        Atomics.store(new Int32Array(v.a[0]), 1, 2);
        Atomics.store(new Int32Array(v.m.get('k')!), 2, 3);
        Atomics.store(new Int32Array([...v.s][0]!), 3, 4);
      },
      { a: [sab], m: new Map([['k', sab]]), s: new Set([sab]) },
    );
    expect([...i32]).toEqual([1, 2, 3, 4]);
  });

  it('typed arrays and DataViews over one keep their kind, offset and length, over the same memory', async () => {
    const sab = new SharedArrayBuffer(32);
    const got = await spawn(
      (v: { f: Float64Array; u: Uint8Array; d: DataView; b: BigInt64Array }) => {
        v.f[0] = 1.5;
        v.u[0] = 7;
        v.d.setInt16(0, -2, true);
        v.b[0] = 9n;
        return [
          v.f.length,
          v.u.byteOffset,
          v.u.length,
          v.d.byteOffset,
          v.d.byteLength,
          v.f instanceof Float64Array,
          v.d instanceof DataView,
        ];
      },
      {
        f: new Float64Array(sab, 8, 1),
        u: new Uint8Array(sab, 16, 4),
        d: new DataView(sab, 20, 4),
        b: new BigInt64Array(sab, 24, 1),
      },
    );
    expect(got).toEqual([1, 16, 4, 20, 4, true, true]);
    expect(new Float64Array(sab, 8, 1)[0]).toBe(1.5);
    expect(new Uint8Array(sab)[16]).toBe(7);
    expect(new DataView(sab).getInt16(20, true)).toBe(-2);
    expect(new BigInt64Array(sab, 24, 1)[0]).toBe(9n);
  });

  it('also on the slow (structured-clone) path of the codec', async () => {
    const sab = new SharedArrayBuffer(8);
    // A Date makes the value take v8.serialize: the buffer must still be shared.
    await spawn(
      (v: { when: Date; s: SharedArrayBuffer; view: Int32Array }) => {
        Atomics.store(new Int32Array(v.s), 0, v.when.getTime());
        v.view[0] = 5;
      },
      { when: new Date(42), s: sab, view: new Int32Array(sab, 4, 1) },
    );
    expect([...new Int32Array(sab)]).toEqual([42, 5]);
  });

  it("returned from a goroutine: the caller gets the goroutine's memory", async () => {
    const { s, v } = await spawn(() => {
      const s = new SharedArrayBuffer(8);
      new Int32Array(s)[0] = 77;
      return { s, v: new Int32Array(s, 4, 1) };
    });
    expect(new Int32Array(s)[0]).toBe(77);
    expect(v.buffer).toBe(s); // one object per buffer in a value
  });

  it("sent on a channel to a hand-made worker and back: both sides see each other's writes", async () => {
    const ch = chan<{ sab: SharedArrayBuffer; view: Int32Array }>(1);
    const back = chan<unknown>(2);
    const sab = new SharedArrayBuffer(16);
    await ch.send({ sab, view: new Int32Array(sab, 4, 2) });
    const w = new Worker(new URL('./fixtures/sab-peer.mjs', import.meta.url), {
      workerData: toShared({ ch, back }),
    });
    try {
      const got = (await back.recv()) as { mine: SharedArrayBuffer; twice: SharedArrayBuffer[] };
      expect(Atomics.load(new Int32Array(sab), 0)).toBe(123);
      expect(new Int32Array(sab)[2]).toBe(456);
      expect(got.twice[0]).toBe(got.twice[1]);
      expect(got.twice[0]).toBe(got.mine);
      Atomics.store(new Int32Array(got.mine), 0, 99);
      Atomics.notify(new Int32Array(got.mine), 0);
      expect(await back.recv()).toBe(99);
    } finally {
      await w.terminate();
    }
  });

  it('a value encoded before the receiving thread existed is still delivered (asked for and answered)', async () => {
    // The buffer is announced when it is sent; the worker starts afterwards,
    // so it missed the announcement and asks for it (sabs.ts, "want").
    const ch = chan<{ sab: SharedArrayBuffer; view: Int32Array }>(1);
    const back = chan<unknown>(2);
    const sab = new SharedArrayBuffer(16);
    await ch.send({ sab, view: new Int32Array(sab, 4, 2) });
    await new Promise((r) => setTimeout(r, 50));
    const w = new Worker(new URL('./fixtures/sab-peer.mjs', import.meta.url), {
      workerData: toShared({ ch, back }),
    });
    try {
      await back.recv();
      expect(Atomics.load(new Int32Array(sab), 0)).toBe(123);
    } finally {
      await w.terminate();
    }
  });

  it('in the sending thread a local round trip gives back the very object', async () => {
    const sab = new SharedArrayBuffer(4);
    const c = chan<unknown>(1);
    await c.send({ sab });
    expect(((await c.recv()) as { sab: SharedArrayBuffer }).sab).toBe(sab);
  });

  it('gocsp keeps no buffer alive: entries are given back once the buffers are collected', async () => {
    const script = `
      import { spawn, runtime } from '@gocsp/core';
      import * as substrate from '@gocsp/core/internal';
      for (let i = 0; i < 50; i++) await spawn((s) => { new Int32Array(s)[0] = 1; }, new SharedArrayBuffer(1 << 16));
      const before = substrate.sabStats().own;
      for (let i = 0; i < 10 && substrate.sabStats().own > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
      console.log(before, substrate.sabStats().own);
      await runtime.shutdown();`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--expose-gc', '--input-type=module', '-e', script],
        { timeout: 30_000, env: childEnv() },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const [before, after] = out.trim().split(' ').map(Number);
    expect(before).toBeGreaterThan(0);
    expect(after).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { AtomicBool, AtomicInt32, AtomicInt64, fromShared, toShared } from '@gocsp/sync';
import { runWorker, scale } from './util.js';

describe('atomics', () => {
  it('add exactly under contention from 4 threads', async () => {
    const a32 = new AtomicInt32();
    const a64 = new AtomicInt64();
    const n = scale(200_000);
    const ws = [0, 1, 2].map(() => runWorker('atomicAdds', { a32, a64, n }));
    for (let i = 0; i < n; i++) {
      a32.add(1);
      a64.add(2n);
    }
    await Promise.all(ws.map((w) => w.result));
    expect(a32.load()).toBe(4 * n);
    expect(a64.load()).toBe(BigInt(8 * n));
  });

  it('follow Go semantics: add returns the new value and wraps, swap/CAS/and/or', () => {
    const a = new AtomicInt32(0x7fffffff);
    expect(a.add(1)).toBe(-0x80000000);
    expect(a.swap(5)).toBe(-0x80000000);
    expect(a.compareAndSwap(4, 1)).toBe(false);
    expect(a.compareAndSwap(5, 6)).toBe(true);
    expect(a.and(2)).toBe(6);
    expect(a.or(1)).toBe(2);
    expect(a.load()).toBe(3);
    expect(a.sub(4)).toBe(-1);
    expect(() => a.add(2 ** 31)).toThrow(RangeError);
    expect(() => a.store(1.5)).toThrow(RangeError);
    expect(a.load()).toBe(-1);

    const b = new AtomicInt64((1n << 63n) - 1n);
    expect(b.add(1n)).toBe(-(1n << 63n));
    expect(() => b.store(1n << 63n)).toThrow(TypeError);

    const f = new AtomicBool();
    expect(f.compareAndSwap(false, true)).toBe(true);
    expect(f.swap(false)).toBe(true);
    expect(f.load()).toBe(false);
  });

  it('revive to the same object in the same thread', () => {
    const a = new AtomicInt32(7);
    const back = fromShared<{ a: AtomicInt32 }>(structuredClone(toShared({ a })));
    expect(back.a).toBe(a);
  });
});

import { describe, expect, it } from 'vitest';
import { AtomicInt32, Semaphore, SyncMisuseError } from '@gocsp/sync';
import { delay, rng, runWorker, scale } from './util.js';

describe('Semaphore', () => {
  it('never exceeds its size with 4 threads acquiring random weights', async () => {
    const size = 5;
    const sem = new Semaphore(size);
    const inUse = new AtomicInt32();
    const maxSeen = new AtomicInt32();
    const n = scale(1_000);
    const ws = [0, 1, 2].map(() => runWorker('semaphoreLoad', { sem, inUse, maxSeen, n, size }));
    const r = rng();
    for (let i = 0; i < n; i++) {
      const w = 1 + Math.floor(r() * size);
      await sem.acquire(w);
      const now = inUse.add(w);
      expect(now).toBeLessThanOrEqual(size);
      inUse.sub(w);
      sem.release(w);
    }
    await Promise.all(ws.map((w) => w.result));
    expect(maxSeen.load()).toBeLessThanOrEqual(size);
    expect(sem.held).toBe(0);
  });

  it('is strictly FIFO: a big request at the head blocks smaller ones behind it', async () => {
    const sem = new Semaphore(3);
    await sem.acquire(2);
    const order: string[] = [];
    const big = sem.acquire(3).then(() => order.push('big'));
    const small = sem.acquire(1).then(() => order.push('small'));
    await delay(2);
    expect(order).toEqual([]); // 1 is free, but the head wants 3
    expect(sem.tryAcquire(1)).toBe(false);
    sem.release(2);
    await big;
    expect(order).toEqual(['big']);
    sem.release(3);
    await small;
    expect(order).toEqual(['big', 'small']);
    sem.release(1);
  });

  it('an aborted acquire holds nothing and lets those behind it go', async () => {
    const sem = new Semaphore(2);
    await sem.acquire(1);
    const ac = new AbortController();
    const head = sem.acquire(2, { signal: ac.signal });
    const behind = sem.acquire(1);
    await delay(2);
    ac.abort(new Error('cancelled'));
    await expect(head).rejects.toThrow('cancelled');
    await behind;
    expect(sem.held).toBe(2);
    sem.release(2);
    await expect(sem.acquire(1, { signal: AbortSignal.abort('no') })).rejects.toBe('no');
    expect(sem.held).toBe(0);
  });

  it('throws on release of more than held and on bad weights, changing nothing', async () => {
    const sem = new Semaphore(2);
    await sem.acquire(1);
    expect(() => sem.release(2)).toThrow(SyncMisuseError);
    expect(() => sem.release(2)).toThrow('semaphore: released more than held');
    expect(sem.held).toBe(1);
    expect(() => sem.tryAcquire(3)).toThrow(RangeError);
    expect(() => sem.tryAcquire(-1)).toThrow(RangeError);
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    sem.release(1);
  });
});

import { describe, expect, it } from 'vitest';
import {
  AtomicBool,
  BlockingOnMainThreadError,
  Mutex,
  OwnerDiedError,
  SyncMisuseError,
} from '@gocsp/sync';
import { delay, runWorker, scale } from './util.js';

describe('Mutex', () => {
  it('keeps a plain Int32Array counter exact under contention from 4 threads', async () => {
    const mu = new Mutex();
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const n = scale(20_000);
    const workers = [0, 1, 2].map((id) =>
      runWorker('mutexCounter', { mu, cell, n, sync: id !== 1, id }),
    );
    for (let i = 0; i < n; i++) {
      await mu.lock();
      const v = cell[0]!;
      if (i % 97 === 0) await Promise.resolve();
      cell[0] = v + 1;
      mu.unlock();
    }
    await Promise.all(workers.map((w) => w.result));
    expect(cell[0]).toBe(4 * n);
    expect(mu.tryLock()).toBe(true);
    mu.unlock();
  });

  it("throws Go's message on unlock of an unlocked mutex and stays usable", async () => {
    const mu = new Mutex();
    expect(() => mu.unlock()).toThrow(SyncMisuseError);
    expect(() => mu.unlock()).toThrow('sync: unlock of unlocked mutex');
    await mu.lock();
    expect(mu.tryLock()).toBe(false);
    mu.unlock();
    expect(mu.tryLock()).toBe(true);
    mu.unlock();
  });

  it('queues same-thread async lockers in order', async () => {
    const mu = new Mutex();
    await mu.lock();
    const order: number[] = [];
    const all = [1, 2, 3].map((i) =>
      mu.lock().then(() => {
        order.push(i);
        mu.unlock();
      }),
    );
    await delay(5);
    mu.unlock();
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3]);
  });

  it('withLock unlocks when the function throws', async () => {
    const mu = new Mutex();
    await expect(mu.withLock(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(mu.tryLock()).toBe(true);
    mu.unlock();
  });

  it('lockSync throws on the main thread and works in a worker', async () => {
    const mu = new Mutex();
    await mu.lock();
    expect(() => mu.lockSync()).toThrow(BlockingOnMainThreadError);
    mu.unlock();
    const w = runWorker('lockSyncOk', { mu });
    expect(await w.result).toBe('ok');
  });

  it('starvation mode bounds the wait of a waiter against a thread that re-locks at once', async () => {
    // Go's TestMutexFairness (src/sync/mutex_test.go): a hog holds the lock
    // 2 ms at a time and re-locks at once; without starvation mode a woken
    // waiter would keep losing to it. The waiter must get the lock every time,
    // each within 10 s (Go's bound: a liveness check, not a timing one).
    const mu = new Mutex();
    const stop = new AtomicBool(false);
    const hog = runWorker('hogMutex', { mu, stop, ms: 2 });
    expect(await hog.next()).toBe('running');
    try {
      for (let i = 0; i < scale(20); i++) {
        const got = await Promise.race([
          mu.lock().then(() => true),
          delay(10_000).then(() => false),
        ]);
        expect(got, `lock ${i} not acquired within 10 s`).toBe(true);
        mu.unlock();
        await delay(1);
      }
    } finally {
      stop.store(true);
    }
    expect((await hog.result) as number).toBeGreaterThan(0);
  });

  it('gives lockers a clear OwnerDiedError, not a hang, when the holder is terminated', async () => {
    const mu = new Mutex();
    const holder = runWorker('holdMutexForever', { mu });
    expect(await holder.next()).toBe('locked');
    const blocked = mu.lock();
    await delay(10);
    await holder.worker.terminate();
    await expect(blocked).rejects.toThrow(OwnerDiedError);
    await expect(mu.lock()).rejects.toThrow(/died without unlocking/);
  });
});

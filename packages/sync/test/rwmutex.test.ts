import { describe, expect, it } from 'vitest';
import { AtomicBool, AtomicInt32, RWMutex, SyncMisuseError } from '@gocsp/sync';
import { delay, runWorker, scale } from './util.js';

describe('RWMutex', () => {
  it('lets readers on several threads hold it together', async () => {
    const rw = new RWMutex();
    const release = new AtomicBool(false);
    const holding = new AtomicInt32();
    const readers = [0, 1, 2].map(() => runWorker('rwReader', { rw, release, holding }));
    await rw.rLock();
    const t0 = Date.now();
    while (holding.load() < 3 && Date.now() - t0 < 10_000) await delay(1);
    expect(holding.load()).toBe(3);
    rw.rUnlock();
    release.store(true);
    await Promise.all(readers.map((r) => r.result));
  });

  it('prefers a pending writer: new readers wait behind it', async () => {
    const rw = new RWMutex();
    await rw.rLock();
    const order: string[] = [];
    const writer = rw.lock().then(() => {
      order.push('writer');
      rw.unlock();
    });
    await delay(2);
    expect(rw.tryRLock()).toBe(false);
    const reader = rw.rLock().then(() => {
      order.push('reader');
      rw.rUnlock();
    });
    await delay(2);
    expect(order).toEqual([]);
    rw.rUnlock();
    await Promise.all([writer, reader]);
    expect(order).toEqual(['writer', 'reader']);
  });

  it('hands the lock to all waiting readers when a writer unlocks', async () => {
    const rw = new RWMutex();
    await rw.lock();
    const got: number[] = [];
    const readers = [1, 2, 3].map((i) => rw.rLock().then(() => got.push(i)));
    const writer2 = rw.lock().then(() => got.push(9));
    await delay(2);
    rw.unlock();
    await Promise.all(readers);
    expect(got).toEqual([1, 2, 3]);
    for (let i = 0; i < 3; i++) rw.rUnlock();
    await writer2;
    rw.unlock();
  });

  it('keeps writers exclusive across threads (blocking writers in workers)', async () => {
    const rw = new RWMutex();
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const n = scale(5_000);
    const ws = [0, 1, 2].map(() => runWorker('rwWriterSync', { rw, cell, n }));
    for (let i = 0; i < n; i++) {
      await rw.lock();
      cell[0]!++;
      rw.unlock();
    }
    await Promise.all(ws.map((w) => w.result));
    expect(cell[0]).toBe(4 * n);
  });

  it('releases readers queued behind a waiting writer whose thread died', async () => {
    const rw = new RWMutex();
    await rw.rLock();
    const writer = runWorker('rwWriterWaits', { rw });
    expect(await writer.next()).toBe('queued');
    await delay(5);
    const reader = rw.rLock(); // queues behind the pending writer
    expect(rw.tryRLock()).toBe(false);
    await writer.worker.terminate();
    await delay(5);
    rw.rUnlock();
    await reader; // would hang before the fix
    rw.rUnlock();
    expect(rw.tryLock()).toBe(true);
    rw.unlock();
  });

  it("throws Go's messages on misuse and leaves the state unchanged", async () => {
    const rw = new RWMutex();
    expect(() => rw.rUnlock()).toThrow(SyncMisuseError);
    expect(() => rw.rUnlock()).toThrow('sync: RUnlock of unlocked RWMutex');
    expect(() => rw.unlock()).toThrow('sync: Unlock of unlocked RWMutex');
    await rw.rLock();
    expect(() => rw.unlock()).toThrow('sync: Unlock of unlocked RWMutex');
    rw.rUnlock();
    expect(rw.tryLock()).toBe(true);
    rw.unlock();
  });
});

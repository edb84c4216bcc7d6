import { describe, expect, it } from 'vitest';
import { AtomicInt32, Cond, Mutex } from '@gocsp/sync';
import { delay, runWorker } from './util.js';

describe('Cond', () => {
  it('signal wakes one waiter and broadcast the rest, across threads', async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const got = new AtomicInt32();
    const ws = [
      runWorker('condConsumer', { mu, cond, ready, got }),
      runWorker('condConsumerSync', { mu, cond, ready, got }),
      runWorker('condConsumer', { mu, cond, ready, got }),
    ];
    await delay(50);
    expect(got.load()).toBe(0);
    await mu.lock();
    ready[0] = 1;
    cond.signal();
    mu.unlock();
    const t0 = Date.now();
    while (got.load() < 1 && Date.now() - t0 < 10_000) await delay(1);
    expect(got.load()).toBe(1);
    await mu.lock();
    ready[0] = 2;
    cond.broadcast();
    mu.unlock();
    expect(await Promise.all(ws.map((w) => w.result))).toEqual(['got', 'got', 'got']);
  });

  it('wait without holding the lock throws and leaves no waiter behind', async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    await expect(cond.wait()).rejects.toThrow('sync: unlock of unlocked mutex');
    cond.signal();
  });
});

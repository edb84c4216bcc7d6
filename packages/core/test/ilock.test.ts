import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { OwnerDiedError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';

describe('internal lock', () => {
  it('is taken and released with one CAS each way when uncontended', () => {
    const world = substrate.defaultWorld();
    const p = substrate.allocBlock(world, 0);
    substrate.ilock(world, world.i32, p);
    expect(world.i32[p]).toBe(world.token);
    expect(substrate.itryLock(world, world.i32, p)).toBe(false);
    substrate.iunlock(world.i32, p);
    expect(world.i32[p]).toBe(0);
    substrate.freeBlock(world, p, 0);
  });

  it('reports a holder that died inside its critical section instead of hanging', async () => {
    const world = substrate.defaultWorld();
    const p = substrate.allocBlock(world, 0);
    const w = new Worker(new URL('./fixtures/hold-ilock.mjs', import.meta.url), {
      workerData: { world: world.sab, word: p },
    });
    await new Promise((r) => w.once('message', r));
    await w.terminate();
    await new Promise((r) => setImmediate(r));
    const t0 = Date.now();
    expect(() => substrate.ilock(world, world.i32, p)).toThrow(OwnerDiedError);
    expect(() => substrate.ilock(world, world.i32, p)).toThrow(
      /died inside a gocsp critical section/,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

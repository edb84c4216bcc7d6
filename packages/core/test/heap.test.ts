import { execFile } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as substrate from '@gocsp/core/internal';
import { childEnv, rng, scale, SEED } from '../../../tools/testkit.mjs';

describe('shared heap', () => {
  it('reuses freed blocks of the same size class and zero-fills them', () => {
    const world = substrate.defaultWorld();
    const k = substrate.classFor(12);
    const a = substrate.allocBlock(world, k);
    world.i32[a + 3] = 42;
    substrate.freeBlock(world, a, k);
    const b = substrate.allocBlock(world, k);
    expect(b).toBe(a);
    expect(world.i32[b + 3]).toBe(0);
    substrate.freeBlock(world, b, k);
  });

  it(`small blocks through the thread caches and free lists are never handed out twice (seed ${SEED})`, () => {
    // Thousands of small blocks allocated and freed in a random order: every
    // class's cache spills to its free list and refills from it many times,
    // batch by batch. A block handed out while still live would show as a
    // duplicate address.
    const world = substrate.defaultWorld();
    const rand = rng(SEED);
    const live = new Map<number, number>(); // address -> class
    const take = (k: number): void => {
      const p = substrate.allocBlock(world, k, false);
      expect(live.has(p), `block ${p} handed out twice`).toBe(false);
      live.set(p, k);
      world.i32[p] = -1; // the words a free list uses: the user may write them
      world.i32[p + 1] = -1;
    };
    const give = (): void => {
      const ps = [...live.keys()];
      const p = ps[Math.floor(rand() * ps.length)]!;
      substrate.freeBlock(world, p, live.get(p)!);
      live.delete(p);
    };
    for (let round = 0; round < scale(20); round++) {
      const n = 200 + Math.floor(rand() * 2000);
      for (let i = 0; i < n; i++) take(Math.floor(rand() * 3));
      const keep = Math.floor(rand() * 100);
      while (live.size > keep) give();
    }
    const seen = new Set(live.keys());
    for (let i = 0; i < 5000; i++) {
      const p = substrate.allocBlock(world, 0, false);
      expect(seen.has(p), `block ${p} handed out twice`).toBe(false);
      seen.add(p);
    }
    for (const p of seen) substrate.freeBlock(world, p, live.get(p) ?? 0);
  });

  it(`blocks freed by one thread and allocated by two at once are never handed out twice (seed ${SEED})`, async () => {
    // The main thread allocates, a worker frees half of it (its cache spills
    // those blocks to the shared free lists), then both allocate at the same
    // time from those lists: no address may be live twice.
    const world = substrate.defaultWorld();
    const rand = rng(SEED);
    const w = new Worker(new URL('./fixtures/heap-peer.mjs', import.meta.url));
    type Reply = { type: string; blocks?: [number, number][] };
    const next = (type: string): Promise<Reply> =>
      new Promise((resolve, reject) => {
        const on = (m: Reply): void => {
          if (m.type !== type) return;
          w.off('message', on);
          resolve(m);
        };
        w.on('message', on);
        w.once('error', reject);
      });
    try {
      await next('ready');
      for (let round = 0; round < scale(4); round++) {
        const mine: [number, number][] = [];
        for (let i = 0; i < 6000; i++) {
          const k = Math.floor(rand() * 3);
          mine.push([substrate.allocBlock(world, k, false), k]);
        }
        const given = mine.splice(0, 3000);
        w.postMessage({ type: 'free', blocks: given });
        await next('freed');
        const go = new SharedArrayBuffer(4);
        const allocated = next('allocated');
        w.postMessage({ type: 'alloc', n: 3000, go });
        const g = new Int32Array(go);
        Atomics.add(g, 0, 1);
        const until = Date.now() + 10_000; // bounded: a dead worker fails the test, not the run
        while (Atomics.load(g, 0) < 2) {
          if (Date.now() > until) throw new Error('heap peer did not start allocating');
        }
        for (let i = 0; i < 3000; i++) {
          const k = i % 3;
          mine.push([substrate.allocBlock(world, k, false), k]);
        }
        const theirs = (await allocated).blocks!;
        const seen = new Set<number>();
        for (const [p] of [...mine, ...theirs]) {
          expect(seen.has(p), `block ${p} live twice`).toBe(false);
          seen.add(p);
        }
        for (const [p, k] of [...mine, ...theirs]) substrate.freeBlock(world, p, k);
      }
    } finally {
      await w.terminate();
    }
  });

  it('serves large blocks, and says how to raise the limit when the heap is full', async () => {
    const script = `
      const substrate = require('@gocsp/core/internal');
      const { CapacityError } = require('@gocsp/core');
      const world = substrate.defaultWorld();
      const k = substrate.classFor(1 << 20); // 4 MiB blocks
      const got = [];
      try { for (;;) got.push(substrate.allocBlock(world, k)); }
      catch (e) {
        // The heap is unchanged by the failure: freeing one lets the next allocation succeed.
        substrate.freeBlock(world, got.pop(), k);
        const again = substrate.allocBlock(world, k);
        console.log(e instanceof CapacityError, got.length, again > 0, e.message);
      }`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', script],
        { timeout: 20_000, env: childEnv({ GOCSP_MAX_MEMORY: '16' }) },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out).toMatch(/^true 2 true .*GOCSP_MAX_MEMORY=<MiB>/);
  });

  it('counts references: pin once, free at zero, child released with its parent', () => {
    const world = substrate.defaultWorld();
    const cell = 1000; // the tests' own shared type id
    const child = substrate.allocObject(world, cell, 1);
    const parent = substrate.allocObject(world, cell, 1, child);
    expect(substrate.refsOf(world, child)).toBe(2);
    substrate.pin(world, parent);
    substrate.pin(world, parent);
    expect(substrate.refsOf(world, parent)).toBe(2);
    substrate.release(world, parent);
    substrate.release(world, parent); // pin given back by hand for the test
    expect(substrate.refsOf(world, child)).toBe(1);
    substrate.release(world, child);
    // Both blocks are free: the next two allocations of their class reuse them.
    const again = [substrate.allocObject(world, cell, 1), substrate.allocObject(world, cell, 1)];
    expect(new Set(again)).toEqual(new Set([child, parent]));
    for (const p of again) substrate.release(world, p);
  });

  it('frees an object once every thread has dropped it (garbage collection)', async () => {
    const script = fileURLToPath(new URL('./fixtures/gc-free.mjs', import.meta.url));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--expose-gc', script],
        { timeout: 20_000, env: childEnv() },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe('refs while shared: 2; after worker: 1; freed and reused: true');
  });
});

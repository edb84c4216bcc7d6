import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { SharedHandleError, fromShared, isHandle, toShared } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';

/** Type id of the tests' shared type (gocsp's packages use ids below 1000). */
const TEST_CELL = 1000;

/** A minimal shared type for the tests: one Int32 word in the world heap. */
class Cell {
  readonly world: substrate.World;
  readonly ref: number;
  readonly i32: Int32Array;
  constructor(revive?: substrate.SharedRef) {
    this.world = revive?.world ?? substrate.defaultWorld();
    this.ref = revive?.ref ?? substrate.allocObject(this.world, TEST_CELL, 1);
    this.i32 = new Int32Array(this.world.sab, (this.ref + substrate.OBJ_HEADER) * 4, 1);
    if (!revive) substrate.rememberObject(this.world, this.ref, this);
  }
  get [substrate.kShared](): substrate.SharedRef {
    return { world: this.world, ref: this.ref };
  }
}
substrate.registerSharedType(TEST_CELL, 'test.Cell', (world, ref) => new Cell({ world, ref }));

describe('toShared / fromShared', () => {
  it('swaps shared objects for handles at any depth and back, keeping identity in-thread', () => {
    const c = new Cell();
    const value = { list: [c, 1], map: new Map([['k', c]]), set: new Set([c]), n: 5 };
    const wire = structuredClone(toShared(value)) as typeof value;
    expect(isHandle(wire.list[0])).toBe(true);
    const back = fromShared<typeof value>(wire);
    expect(back.list[0]).toBe(c);
    expect(back.map.get('k')).toBe(c);
    expect([...back.set][0]).toBe(c);
    expect(back.n).toBe(5);
  });

  it('toShared keeps the type: fromShared of its result is typed, not unknown', () => {
    const c = new Cell();
    const handle = toShared({ c, n: 1 });
    const back = fromShared(structuredClone(handle));
    // A compile-time check (the package's typecheck runs on its tests) and a run-time one.
    expectTypeOf(back).toEqualTypeOf<{ c: Cell; n: number }>();
    expect(back.c).toBe(c);
    expectTypeOf(fromShared<{ n: number }>(JSON.parse('{"n":1}'))).toEqualTypeOf<{ n: number }>();
  });

  it('keeps cycles and leaves non-shared values to structured clone', () => {
    const o: Record<string, unknown> = { d: new Date(0), big: 1n };
    o.self = o;
    const back = fromShared<typeof o>(structuredClone(toShared(o)));
    expect(back.self).toBe(back);
    expect(back.d).toEqual(new Date(0));
  });

  it('gives a hand-made worker live objects over the same memory, in the same world', async () => {
    const c = new Cell();
    const w = new Worker(new URL('./fixtures/echo-shared.mjs', import.meta.url), {
      workerData: toShared({
        c,
        map: new Map([[1, c]]),
        set: new Set([c]),
        date: new Date(),
        deep: { a: [{ b: 'x' }] },
      }),
    });
    const msg = await new Promise<{
      sameWorld: number;
      kinds: Record<string, unknown>;
      back: unknown;
    }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(msg.sameWorld).toBe(substrate.defaultWorld().id);
    expect(msg.kinds).toEqual({ map: true, set: true, date: true, nested: 'x', sameCell: true });
    expect(c.i32[0]).toBe(41); // the worker wrote to the same memory
    const back = fromShared<{ c: Cell }>(msg.back);
    expect(back.c).toBe(c);
  });

  it('rejects objects of unknown types and JSON-mangled handles with a clear error', () => {
    const c = new Cell();
    const h = toShared(c) as Record<string, unknown>;
    const world = substrate.defaultWorld();
    const unknownType = substrate.allocObject(world, 999, 1);
    expect(() => fromShared({ ...h, __gocspShared__: unknownType })).toThrow(SharedHandleError);
    expect(() => fromShared({ ...h, __gocspShared__: unknownType })).toThrow(
      /import the gocsp package/,
    );
    expect(substrate.refsOf(world, unknownType)).toBe(1); // a failed revival takes no reference
    substrate.release(world, unknownType);
    const mangled = JSON.parse(JSON.stringify(h)) as unknown;
    expect(() => fromShared(mangled)).toThrow(/JSON-serialized/);
  });
});

describe('reviveRef', () => {
  it('gives back the references handed over in one job together, when its microtasks run', async () => {
    const c = new Cell();
    const { world, ref } = c[substrate.kShared];
    expect(substrate.refsOf(world, ref)).toBe(1);
    for (let i = 0; i < 100; i++) substrate.retain(world, ref); // 100 copies in flight
    for (let i = 0; i < 100; i++) expect(substrate.reviveRef(world, ref, true)).toBe(c);
    // The first is given back at once; the 99 others are owed until the job ends.
    expect(substrate.refsOf(world, ref)).toBe(100);
    expect(substrate.reviveRef(world, ref, false)).toBe(c); // takes nothing: this thread holds one
    await Promise.resolve();
    expect(substrate.refsOf(world, ref)).toBe(1);
    // A new job starts from the weak table again.
    substrate.retain(world, ref);
    expect(substrate.reviveRef(world, ref, true)).toBe(c);
    expect(substrate.refsOf(world, ref)).toBe(1);
  });

  it('owes a bounded number of references in a job that does not end (a loop of recvSync)', async () => {
    const c = new Cell();
    const { world, ref } = c[substrate.kShared];
    let most = 0;
    for (let i = 0; i < 100_000; i++) {
      substrate.retain(world, ref);
      substrate.reviveRef(world, ref, true);
      most = Math.max(most, substrate.refsOf(world, ref));
    }
    expect(most).toBeLessThanOrEqual(1025); // this thread's own reference and at most 1024 owed
    await Promise.resolve();
    expect(substrate.refsOf(world, ref)).toBe(1);
  });
});

describe('core knows no type by name', () => {
  it("no source file of core names a type of the packages above it ('chan.Channel', 'sync.Mutex', ...)", () => {
    const src = fileURLToPath(new URL('../src/', import.meta.url));
    const named: string[] = [];
    for (const f of readdirSync(src, { recursive: true }) as string[]) {
      if (!f.endsWith('.ts')) continue;
      const text = readFileSync(path.join(src, f), 'utf8');
      for (const m of text.matchAll(/['"`](sync|chan|patterns|nats|test)\.[A-Z]\w*['"`]/g)) {
        named.push(`${f}: ${m[0]}`);
      }
    }
    expect(named).toEqual([]);
  });
});

describe('thread slots', () => {
  it('marks a terminated worker dead (seen by its parent) and a normally exited one too', async () => {
    const world = substrate.defaultWorld();
    expect(world.isAlive(world.token)).toBe(true);
    const src = new URL('./fixtures/slot-token.mjs', import.meta.url);
    for (const how of ['terminate', 'exit'] as const) {
      const w = new Worker(src, { workerData: { how } });
      const token = await new Promise<number>((resolve) => w.once('message', resolve));
      expect(world.isAlive(token)).toBe(true);
      if (how === 'terminate') await w.terminate();
      else {
        const exited = new Promise((r) => w.once('exit', r));
        w.postMessage('exit');
        await exited;
      }
      await new Promise((r) => setImmediate(r));
      expect(world.isAlive(token)).toBe(false);
    }
  });

  // canSpin allows ncpu - 1 spinners: on one core nobody spins, nothing to leak.
  it.skipIf(substrate.defaultWorld().ncpu < 2)(
    'a worker terminated in the middle of a spin gives its spinner count back',
    async () => {
      const world = substrate.defaultWorld();
      const spinners = (): number => Atomics.load(world.i32, substrate.H_SPINNING);
      const before = spinners();
      const w = new Worker(new URL('./fixtures/spin-forever.mjs', import.meta.url));
      const token = await new Promise<number>((resolve) => w.once('message', resolve));
      // The worker counts itself a spinner right after its message (bounded wait).
      for (let i = 0; i < 500 && spinners() === before; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(spinners()).toBe(before + 1);
      await w.terminate();
      await new Promise((r) => setImmediate(r));
      expect(world.isAlive(token)).toBe(false);
      // Before the fix the count stayed up for good, and canSpin refused every thread.
      expect(spinners()).toBe(before);
    },
  );
});

// Stress mode only (GOCSP_STRESS=<factor>, e.g. 20): a million parked
// goroutines, and a seeded random churn of spawns and resizes. Replays with
// GOCSP_SEED=<seed>.
import { afterAll, describe, expect, it } from 'vitest';
import { gomaxprocs, numGoroutine, runtime, spawn } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { WaitGroup } from '@gocsp/sync';
import { SEED, STRESS, rng, scale, tasks, until, within } from './util.js';

const STRESSED = process.env.GOCSP_STRESS !== undefined && process.env.GOCSP_STRESS !== '';

afterAll(async () => {
  await runtime.shutdown();
});

describe.runIf(STRESSED)(`stress x${STRESS} (seed ${SEED})`, () => {
  it('1,000,000 goroutines parked on one channel, all released by closing it', async () => {
    gomaxprocs(2);
    const n = 1_000_000;
    const gate = chan<void>();
    const wg = new WaitGroup();
    wg.add(n);
    // Started from a goroutine: its go calls fill its own P, then the global queue.
    expect(await within(spawn(tasks.parkMany, n, gate, wg), 120_000, 'parkMany')).toBe(n);
    expect(numGoroutine()).toBe(n + 1);
    await until(
      () => runtime.stats().ps.reduce((a, p) => a + p.live, 0) === n,
      'every goroutine to start and park',
      120_000,
    );
    expect(numGoroutine()).toBe(n + 1); // parked, not finished
    gate.close();
    await within(wg.wait(), 120_000, 'wg.wait()');
    await until(() => numGoroutine() === 1, 'every goroutine to finish', 60_000);
    expect(runtime.stats().lost).toBe(0);
  }, 300_000);

  it('seeded churn: random spawn trees, sleeps and CPU work while gomaxprocs changes', async () => {
    const r = rng(SEED);
    const rounds = scale(5);
    for (let round = 0; round < rounds; round++) {
      const np = 1 + Math.floor(r() * 4);
      gomaxprocs(np);
      const jobs: Promise<void>[] = [];
      const k = 50 + Math.floor(r() * 200);
      for (let j = 0; j < k; j++) {
        const kind = Math.floor(r() * 4);
        if (kind === 0) {
          const n = 10 + Math.floor(r() * 12);
          jobs.push(spawn(tasks.fib, n, 8).then((v) => expect(v).toBe(fib(n))));
        } else if (kind === 1) {
          const ms = Math.floor(r() * 10);
          jobs.push(spawn(tasks.sleepy, ms, j).then((v) => expect(v.v).toBe(j)));
        } else if (kind === 2) {
          const m = 1 + Math.floor(r() * 50);
          jobs.push(
            spawn(tasks.spawnMany, m, 100).then((v) =>
              expect(v).toEqual(Array.from({ length: m }, (_, i) => 2 * i)),
            ),
          );
        } else {
          const n = Math.floor(r() * 1e5);
          jobs.push(spawn(tasks.child, j, n).then((v) => expect(v).toBe(2 * j)));
        }
      }
      await within(Promise.all(jobs), 60_000, `round ${round} (gomaxprocs ${np})`);
      expect(runtime.stats().gomaxprocs).toBe(np);
    }
    await until(() => numGoroutine() === 1, 'a quiet runtime');
    expect(runtime.stats().lost).toBe(0);
  }, 300_000);
});

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

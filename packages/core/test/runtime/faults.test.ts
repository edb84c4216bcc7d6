// Worker faults: a goroutine that ends its worker thread (process.exit, out of
// memory). Its spawn rejects with WorkerDiedError, the runtime replaces the
// worker, goroutines on the other workers go on, and nothing hangs.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WorkerDiedError, go, gomaxprocs, numGoroutine, runtime, spawn } from '@gocsp/core';
import { AtomicInt32 } from '@gocsp/sync';
import { delay, lastJson, runNode, tasks, until, within } from './util.js';

afterAll(async () => {
  await runtime.shutdown();
});

/**
 * Spawns sleepy goroutines (each keeps its P busy 15 ms first, so the other P
 * steals some) until both Ps have some in flight.
 */
async function inFlightOnBothPs(perRound: number, ms: number) {
  await until(
    () => runtime.stats().ps.every((p) => p.heartbeat > 0),
    'both workers up and scheduling',
  );
  const others: Promise<{ v: number; thread: number }>[] = [];
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < perRound; i++) others.push(spawn(tasks.sleepy, ms, others.length, 15));
    const end = performance.now() + 20 * perRound;
    while (performance.now() < end) {
      if (runtime.stats().ps.every((p) => p.live > 0)) return others;
      await delay(2);
    }
  }
  throw new Error('the goroutines never spread over both Ps');
}

describe('worker faults', () => {
  it('process.exit(3) in a goroutine: WorkerDiedError, the others go on, stats().lost counts', async () => {
    gomaxprocs(2);
    await Promise.all([spawn(tasks.whoami), spawn(tasks.whoami)]);
    const lost0 = runtime.stats().lost;
    const others = await inFlightOnBothPs(8, 300);
    const cell = new AtomicInt32();
    const err = await within(spawn(tasks.die, 3, cell), 10_000, 'the dying spawn').then(
      () => expect.fail('resolved'),
      (e: unknown) => e as WorkerDiedError,
    );
    expect(err).toBeInstanceOf(WorkerDiedError);
    expect(err.message).toMatch(/exit code 3/);
    const dead = cell.load();
    expect(dead).toBeGreaterThan(0);
    const settled = await within(Promise.allSettled(others), 10_000, 'the other goroutines');
    let completed = 0;
    let lostToo = 0;
    for (const r of settled) {
      if (r.status === 'fulfilled') {
        completed++;
        expect(r.value.thread).not.toBe(dead); // those that completed ran elsewhere
      } else {
        lostToo++;
        expect(r.reason).toBeInstanceOf(WorkerDiedError); // they shared the dead worker
      }
    }
    expect(completed).toBeGreaterThan(0);
    expect(runtime.stats().lost - lost0).toBe(1 + lostToo);
    // The P got a new worker; everything works as before.
    expect(runtime.stats().ps.filter((p) => p.status === 'active')).toHaveLength(2);
    const again = await Promise.all(
      Array.from({ length: 20 }, (_, i) => spawn(tasks.child, i, 10)),
    );
    expect(again).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
    const threads = new Set(
      await Promise.all(Array.from({ length: 20 }, () => spawn(tasks.sleepy, 5, 0, 5))).then((rs) =>
        rs.map((r) => r.thread),
      ),
    );
    expect(threads.has(dead)).toBe(false);
    await until(() => numGoroutine() === 1, 'a quiet runtime');
  });

  it('a go goroutine that kills its worker is reported with a WorkerDiedWarning', async () => {
    // The warning is taken here (and checked) rather than printed: in the
    // test run's output it would read like a real failure.
    const warnings: { name?: string; message: string; code?: string }[] = [];
    const emit = process.emitWarning.bind(process);
    const spy = vi
      .spyOn(process, 'emitWarning')
      .mockImplementation((warning: string | Error, options?: { type?: string; code?: string }) => {
        if (typeof options === 'object' && options.code === 'GOCSP_WORKER_DIED') {
          warnings.push({ name: options.type, message: String(warning), code: options.code });
        } else emit(warning, options as never);
      });
    try {
      const lost0 = runtime.stats().lost;
      go(tasks.die, 7, new AtomicInt32());
      await until(() => warnings.some((w) => w.code === 'GOCSP_WORKER_DIED'), 'the warning');
      const w = warnings.find((w) => w.code === 'GOCSP_WORKER_DIED')!;
      expect(w.name).toBe('WorkerDiedWarning');
      expect(w.message).toMatch(/exit code 7/);
      expect(w.message).toMatch(/1 goroutine\(s\) started with go\(\) were lost/);
      expect(runtime.stats().lost - lost0).toBe(1);
      expect(await spawn((a: number) => a * 2, 21)).toBe(42);
    } finally {
      spy.mockRestore();
    }
  });

  it('repeated deaths: every spawn settles, none hangs', async () => {
    const cell = new AtomicInt32();
    const outcomes = await within(
      Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          i % 3 === 0 ? spawn(tasks.die, 1, cell) : spawn(tasks.sleepy, 20, i),
        ),
      ),
      20_000,
      'spawns around dying workers',
    );
    for (const [i, r] of outcomes.entries()) {
      if (i % 3 === 0) expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WorkerDiedError);
      else expect(r.value.v).toBe(i);
    }
    expect(await spawn(() => 'still here')).toBe('still here');
  });

  it('out of memory (GOCSP_WORKER_HEAP_MB=32, child process): WorkerDiedError, the runtime goes on', async () => {
    const r = await runNode('oom.mjs', { env: { GOCSP_WORKER_HEAP_MB: '32' }, timeoutMs: 40_000 });
    expect(r.timedOut, r.stderr).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson<{
      hog: { isWorkerDied: boolean; name: string; message: string; cause: string };
      hogThread: number;
      others: ({ v: number; thread: number } | { err: string; isWorkerDied: boolean })[];
      after: number;
      lost: number;
      gomaxprocs: number;
      ps: number;
    }>(r);
    expect(out.hog.isWorkerDied).toBe(true);
    expect(out.hog.message).toMatch(/out of memory/i);
    expect(out.hog.cause).toBe('ERR_WORKER_OUT_OF_MEMORY');
    let completed = 0;
    let lostToo = 0;
    for (const o of out.others) {
      if ('v' in o) {
        completed++;
        expect(o.thread).not.toBe(out.hogThread);
      } else {
        lostToo++;
        expect(o.isWorkerDied).toBe(true);
      }
    }
    expect(completed).toBeGreaterThan(0);
    expect(out.lost).toBe(1 + lostToo);
    expect(out.after).toBe(42);
    expect([out.gomaxprocs, out.ps]).toEqual([2, 2]);
    // The warning names the lost goroutines only for go(); spawns got errors.
    expect(r.stderr).not.toMatch(/PanicError/);
  });
});

/**
 * Goroutines started from a goroutine: a parent goroutine does `go(child)` N
 * times, so every child goes onto the parent's own P (runnext, then the local
 * ring) with no other thread involved. Goroutines per second per P.
 */
import { spawn, taskModule } from '@gocsp/core';
import type { BenchCase, BenchSuite } from '../harness.js';
import { perSecond, warmupSize } from '../lib/measure.js';
import { withRuntime } from '../lib/runtime.js';

type Tasks = typeof import('../workers/sched-tasks.js');
type Parent = 'spawnLocal' | 'spawnLocalBare' | 'microtasksLocal';

/**
 * A case: a fresh runtime of `procs` Ps; the main thread spawns one parent
 * goroutine `parent(count)`, which starts `count` children from itself and
 * returns the ms until the last one ran, timed on its worker. Warm-up pass of
 * n/10 first (a separate parent goroutine); the figure is n / ms / procs.
 */
function localCase(
  name: string,
  parent: Parent,
  procs: number,
  extra: Pick<BenchCase, 'baseline' | 'goal' | 'note'>,
): BenchCase {
  return {
    name,
    n: 200_000,
    quickN: 10_000,
    ...extra,
    run: ({ n, signal }) =>
      withRuntime(signal, { procs }, async () => {
        const tasks = taskModule<Tasks>(new URL('./workers/sched-tasks.js', import.meta.url));
        await spawn(tasks[parent], warmupSize(n));
        signal.throwIfAborted();
        const ms = await spawn(tasks[parent], n);
        return perSecond(n, ms) / procs;
      }),
  };
}

/** The local-spawn suite. */
export function schedSpawnLocalSuite(): BenchSuite {
  return {
    name: 'sched-spawn-local',
    title: 'Goroutines started from a goroutine (local run queue), per P',
    description:
      'One parent goroutine (a task-module function, workers/sched-tasks.ts) runs `go(child, wg)` N ' +
      'times in a loop and then awaits `wg.wait()`; each child only calls `wg.done()` (a WaitGroup made ' +
      'by the parent). Children started from a goroutine go onto its own P: runnext, the local ring of ' +
      '256, overflow to the global queue. Timed on the worker from the first `go` to the last ' +
      '`done`, after a warm-up parent of N/10 on the same fresh runtime; goroutines per second divided ' +
      'by the number of Ps. The baseline is the same count of callbacks queued with queueMicrotask on ' +
      'one worker, the floor of any same-thread task queue.',
    metric: { kind: 'rate', unit: 'goroutines/s' },
    timeoutMs: 60_000,
    cases: [
      localCase('queueMicrotask(() => wg.done()) on one worker', 'microtasksLocal', 1, {
        baseline: true,
        note: 'no scheduler: N microtasks queued by one goroutine on gomaxprocs(1), each calling wg.done()',
      }),
      localCase('gocsp go(child, wg) from a goroutine, 1 P', 'spawnLocal', 1, {
        goal: '>= 1000000 goroutines/s',
        note: 'gomaxprocs(1); the child receives the WaitGroup as its argument (a shared object: encoded per go)',
      }),
      localCase('gocsp go(child) without arguments, 1 P', 'spawnLocalBare', 1, {
        note: 'gomaxprocs(1); children take no argument and count down a variable of the worker: the scheduler without argument encoding',
      }),
      localCase('gocsp go(child, wg) from a goroutine, 2 Ps (per P)', 'spawnLocal', 2, {
        note: 'gomaxprocs(2): the idle P may steal children; figure = goroutines/s / 2',
      }),
    ],
  };
}

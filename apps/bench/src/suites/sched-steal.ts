/**
 * Work stealing: an uneven tree of goroutines spawned by one goroutine onto
 * its own P, with stealing on and off (GOCSP_STEAL=0, read by the M workers
 * when they start). Report only.
 */
import { runtime, spawn, taskModule } from '@gocsp/core';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond } from '../lib/measure.js';
import { withRuntime } from '../lib/runtime.js';

type Tasks = typeof import('../workers/sched-tasks.js');

/**
 * Loop iterations per cost unit of a node: ~0.2 ms on this machine (costs are
 * 1..8 units, ~0.9 ms on average).
 */
const UNIT = 500_000;

/** Depth of a full binary tree of at least n nodes (n = 2^(depth+1) - 1). */
function depthFor(n: number): number {
  return Math.max(0, Math.ceil(Math.log2(n + 1)) - 1);
}

interface StealStats {
  steals: number;
  byP: number[];
}

function stealCase(
  name: string,
  procs: number,
  steal: boolean,
  extra: Pick<BenchCase, 'baseline'> & { note: string },
): BenchCase {
  let last: StealStats | undefined;
  return {
    name,
    n: 255,
    quickN: 31,
    ...(extra.baseline !== undefined && { baseline: extra.baseline }),
    get note(): string {
      if (last === undefined) return extra.note;
      return `${extra.note}; last run: ${last.steals} Gs stolen, Gs started per P ${last.byP.join(' / ')}`;
    },
    run: ({ n, signal }) =>
      withRuntime(signal, { procs, ...(!steal && { env: { GOCSP_STEAL: '0' } }) }, async () => {
        const tasks = taskModule<Tasks>(new URL('./workers/sched-tasks.js', import.meta.url));
        const depth = depthFor(n);
        const nodes = 2 ** (depth + 1) - 1;
        // Warm-up: a small tree (starts the Ms, imports the module, compiles).
        expectEqual(`${name}: warm-up tree nodes`, await spawn(tasks.treeNode, 1, 3, UNIT), 15);
        signal.throwIfAborted();
        const before = runtime.stats();
        const t0 = performance.now();
        const count = await spawn(tasks.treeNode, 1, depth, UNIT);
        const ms = performance.now() - t0;
        expectEqual(`${name}: tree nodes`, count, nodes);
        const after = runtime.stats();
        last = {
          steals: after.steals - before.steals,
          byP: after.ps.map((p, i) => p.started - (before.ps[i]?.started ?? 0)),
        };
        return perSecond(nodes, ms);
      }),
  };
}

/** The work-stealing suite. */
export function schedStealSuite(): BenchSuite {
  return {
    name: 'sched-steal',
    title: 'Work stealing: an uneven tree of goroutines spawned onto one P',
    description:
      'The main thread spawns the root of a binary tree of N goroutines (`treeNode` in ' +
      'workers/sched-tasks.ts; 255 nodes in a full run); each node burns 1 to 8 units of ~0.2 ms ' +
      '(scattered by a hash of its id, so subtrees are uneven), then spawns its two children from ' +
      'itself, which puts them on its own P (runnext and the local ring), and awaits them. With at ' +
      'most 255 goroutines queued nothing overflows the 256-slot ring to the global queue, so the ' +
      'second P gets work only by stealing half of the busy ring. Stealing is turned off with ' +
      'GOCSP_STEAL=0 in process.env when the runtime starts (each case runs a fresh runtime and shuts ' +
      'it down). Tree nodes per second, timed on the main thread around the root spawn, after a ' +
      'warm-up tree of 15 nodes. Report only.',
    metric: { kind: 'rate', unit: 'tasks/s' },
    timeoutMs: 60_000,
    cases: [
      stealCase('stealing off (GOCSP_STEAL=0), 2 Ps', 2, false, {
        baseline: true,
        note: 'gomaxprocs(2), GOCSP_STEAL=0',
      }),
      stealCase('stealing on, 2 Ps', 2, true, { note: 'gomaxprocs(2), default runtime' }),
      stealCase('1 P (reference)', 1, true, { note: 'gomaxprocs(1): no second P at all' }),
    ],
  };
}

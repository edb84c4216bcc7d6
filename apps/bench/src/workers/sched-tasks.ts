/**
 * Goroutine task module of the scheduler benchmarks (sched-*.ts suites): the
 * functions goroutines run, reached with
 * `taskModule<typeof import('./sched-tasks.js')>(url)`. Each M worker imports
 * it once, on first use. Functions that spawn goroutines themselves name
 * their children through `self`, this module's own task references (a
 * TaskRef cannot travel as an argument: it is a symbol-keyed object).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { threadId } from 'node:worker_threads';
import { go, spawn, taskModule } from '@gocsp/core';
import type { Channel } from '@gocsp/channels';
import { WaitGroup, type AtomicInt32 } from '@gocsp/sync';

const self = taskModule<typeof import('./sched-tasks.js')>(import.meta.url);

// ---- sched-spawn-local: goroutines started from a goroutine (local run queue) ----

/** A trivial child: tells the parent's WaitGroup it ran. */
export function child(wg: WaitGroup): void {
  wg.done();
}

/**
 * Parent goroutine: `go(child, wg)` n times from this goroutine, which puts
 * every child on this M's P (runnext, then its local ring), then waits for
 * all of them. Returns the ms from the first `go` to the last child's `done`,
 * timed on this worker.
 */
export async function spawnLocal(n: number): Promise<number> {
  const wg = new WaitGroup();
  wg.add(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) go(self.child, wg);
  await wg.wait();
  return performance.now() - t0;
}

let bareLeft = 0;
let bareDone: (() => void) | undefined;

/** A child without arguments: counts down a counter of this worker (valid with one P only). */
export function childBare(): void {
  if (--bareLeft === 0) bareDone?.();
}

/**
 * spawnLocal with children that take no argument, so no argument is encoded
 * or decoded: the cost of the scheduler alone. They count down a variable of
 * this module, which only works when they all run on this worker: call it
 * with gomaxprocs(1).
 */
export async function spawnLocalBare(n: number): Promise<number> {
  const done = new Promise<void>((resolve) => {
    bareLeft = n;
    bareDone = resolve;
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) go(self.childBare);
  await done;
  bareDone = undefined;
  return performance.now() - t0;
}

/**
 * The same-thread floor for spawnLocal: n callbacks queued with
 * queueMicrotask on this worker (no scheduler, no shared memory for the
 * task), each calling `wg.done()` as a child goroutine does.
 */
export async function microtasksLocal(n: number): Promise<number> {
  const wg = new WaitGroup();
  wg.add(n);
  const done = (): void => wg.done();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) queueMicrotask(done);
  await wg.wait();
  return performance.now() - t0;
}

// ---- sched-park-1m: goroutines parked on a channel ----

/** Goroutines of sched-park-1m parked on this worker now. */
let parkedHere = 0;

/** Parks on `ch` until it is closed (or sent to), then tells `wg`. */
export async function parker(ch: Channel<number>, wg: WaitGroup): Promise<void> {
  parkedHere++;
  await ch.recv();
  parkedHere--;
  wg.done();
}

// Exposes V8's gc() to this worker (a new context created after the flag has it).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** What {@link probeHeap} reports about its worker. */
export interface HeapProbe {
  threadId: number;
  /** V8 heap in use after two full GCs, bytes. */
  heapUsed: number;
  /** Goroutines of {@link parker} parked on this worker at the time. */
  parked: number;
}

/**
 * Measures this worker's JS heap. The caller spawns one probe per P with the
 * same `arrived` counter: each probe blocks its thread (Atomics.wait, up to
 * `waitMs`) until `expected` probes have arrived, so one M cannot run two of
 * them and every P's worker is measured once.
 */
export function probeHeap(arrived: AtomicInt32, expected: number, waitMs: number): HeapProbe {
  arrived.add(1);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const end = performance.now() + waitMs;
  while (arrived.load() < expected && performance.now() < end) Atomics.wait(nap, 0, 0, 1);
  gc();
  gc();
  return { threadId, heapUsed: v8.getHeapStatistics().used_heap_size, parked: parkedHere };
}

// ---- sched-steal: an uneven tree spawned onto one P ----

/** Busy-work units of tree node `id` (1..8, scattered: the tree is uneven). */
export function nodeCost(id: number): number {
  let h = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  return 1 + ((h >>> 0) % 8);
}

let sink = 0;

function burn(iterations: number): void {
  let s = 0;
  for (let i = 0; i < iterations; i++) s = (s + Math.imul(i, i)) | 0;
  sink ^= s;
}

/**
 * Tree node `id` (root 1, children 2id and 2id + 1): burns
 * `nodeCost(id) * unit` loop iterations, then spawns its two subtrees from
 * this goroutine (so onto this P: runnext, the local ring) and awaits them.
 * Returns the number of nodes of its subtree.
 */
export async function treeNode(id: number, depth: number, unit: number): Promise<number> {
  burn(nodeCost(id) * unit);
  if (depth === 0) return 1;
  const [a, b] = await Promise.all([
    spawn(self.treeNode, 2 * id, depth - 1, unit),
    spawn(self.treeNode, 2 * id + 1, depth - 1, unit),
  ]);
  return 1 + a + b + (sink === 0.5 ? 1 : 0);
}

/**
 * A million parked goroutines: each waits on a channel that is closed later,
 * against a million async functions awaiting one promise on the main thread.
 * Two suites, one per metric: the time to create, park and release them all
 * (sched-park-1m) and the memory each parked one holds (sched-park-1m-mem).
 *
 * A round measures both figures at once, because a round of a million
 * goroutines takes seconds: a run of sched-park-1m keeps each round's memory
 * figure, and sched-park-1m-mem (which runs right after it) reports those,
 * same process, same rounds. Run alone (--filter sched-park-1m-mem) it
 * measures its own rounds.
 */
import { go, runtime, spawn, taskModule, type TaskRefs } from '@gocsp/core';
import { chan } from '@gocsp/channels';
import { AtomicInt32, WaitGroup } from '@gocsp/sync';
import type { BenchCase, BenchSuite } from '../harness.js';
import { significant } from '../format.js';
import { heapUsedAfterGc, sharedHeapInUse } from '../lib/heap.js';
import { warmupSize } from '../lib/measure.js';
import { liveGoroutines, pollUntil, withRuntime } from '../lib/runtime.js';
import type { HeapProbe } from '../workers/sched-tasks.js';

type Tasks = typeof import('../workers/sched-tasks.js');
type Kind = 'raw' | 'gocsp';

/** One round of one contender: both figures, and where the bytes are. */
interface Round {
  readonly n: number;
  /** Microseconds per goroutine: creating and parking them all, then releasing them all. */
  readonly usPer: number;
  /** Bytes held per parked goroutine. */
  readonly bytesPer: number;
  /** Where the bytes are, for the case's note. */
  readonly detail: string;
}

/** Rounds measured by sched-park-1m and not yet reported by sched-park-1m-mem. */
const unreported: Record<Kind, Round[]> = { raw: [], gocsp: [] };
/** The last round of each contender, for the notes. */
const lastRound: Partial<Record<Kind, Round>> = {};

const N = 1_000_000;
const QUICK_N = 20_000;
const PROCS = 2;

const B = (x: number): string => `${significant(x)} B`;

// ---- raw: async functions on the main thread ----

async function rawParker(
  gate: Promise<void>,
  state: { left: number; done: () => void },
): Promise<void> {
  await gate;
  if (--state.left === 0) state.done();
}

async function rawPass(count: number, measure: boolean): Promise<{ ms: number; bytes: number }> {
  const heap0 = measure ? heapUsedAfterGc() : 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const state = { left: count, done };
  const t0 = performance.now();
  for (let i = 0; i < count; i++) void rawParker(gate, state);
  const t1 = performance.now();
  const heap1 = measure ? heapUsedAfterGc() : 0;
  const t2 = performance.now();
  release();
  await finished;
  const t3 = performance.now();
  return { ms: t1 - t0 + (t3 - t2), bytes: heap1 - heap0 };
}

async function rawRound(n: number): Promise<Round> {
  await rawPass(warmupSize(n), false);
  const { ms, bytes } = await rawPass(n, true);
  return {
    n,
    usPer: (ms * 1000) / n,
    bytesPer: bytes / n,
    detail: `main-thread heap growth after GC, ${B(bytes / n)} per suspended async function`,
  };
}

// ---- gocsp: goroutines parked on a channel ----

/** Memory of every thread of the runtime at one moment. */
interface Snapshot {
  /** Worker heaps by threadId. */
  readonly workers: Map<number, HeapProbe>;
  readonly main: number;
  readonly shared: number;
  readonly rss: number;
  /** Extra rounds of probes needed to reach every M. */
  readonly retries: number;
}

/**
 * Probes every M's heap (one blocking probe goroutine per P: see probeHeap),
 * then the main thread's heap and the shared heap in use. When two probes
 * land on one M (nothing forces the scheduler to spread them; it should, as
 * the first blocks its M), probes again, up to 10 times, until every P's
 * worker has answered; the heaps do not change in between (nothing runs).
 */
async function snapshot(tasks: TaskRefs<Tasks>): Promise<Snapshot> {
  const workers = new Map<number, HeapProbe>();
  let attempt = 0;
  for (; attempt < 10 && workers.size < PROCS; attempt++) {
    const arrived = new AtomicInt32(0);
    const probes = await Promise.all(
      Array.from({ length: PROCS }, () => spawn(tasks.probeHeap, arrived, PROCS, 500)),
    );
    for (const p of probes) if (!workers.has(p.threadId)) workers.set(p.threadId, p);
  }
  if (workers.size < PROCS) {
    throw new Error(
      `sched-park-1m: 10 rounds of ${PROCS} probe goroutines reached only ${workers.size} of the ${PROCS} M workers`,
    );
  }
  return {
    workers,
    main: heapUsedAfterGc(),
    shared: sharedHeapInUse(),
    rss: process.memoryUsage.rss(),
    retries: attempt - 1,
  };
}

async function gocspPass(
  tasks: TaskRefs<Tasks>,
  count: number,
  measure: boolean,
): Promise<{ ms: number; before?: Snapshot; after?: Snapshot }> {
  const ch = chan<number>();
  const wg = new WaitGroup();
  wg.add(count);
  const before = measure ? await snapshot(tasks) : undefined;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) go(tasks.parker, ch, wg);
  if (!(await pollUntil(() => liveGoroutines() >= count, 600_000))) {
    throw new Error('sched-park-1m: the goroutines did not all start');
  }
  const t1 = performance.now();
  const after = measure ? await snapshot(tasks) : undefined;
  const t2 = performance.now();
  ch.close();
  await wg.wait();
  const t3 = performance.now();
  // Let every goroutine finish before the next pass or the shutdown.
  await pollUntil(() => runtime.stats().goroutines <= 1, 60_000);
  return { ms: t1 - t0 + (t3 - t2), ...(before && { before }), ...(after && { after }) };
}

function gocspBytes(
  count: number,
  before: Snapshot,
  after: Snapshot,
): { bytes: number; detail: string } {
  let workers = 0;
  let parked = 0;
  for (const [tid, a] of after.workers) {
    parked += a.parked;
    const b = before.workers.get(tid);
    if (b !== undefined) workers += a.heapUsed - b.heapUsed;
    else if (a.parked > 0) {
      throw new Error(
        `sched-park-1m: worker ${tid} holds ${a.parked} parked goroutines but was not probed before they parked (an idle M was not woken for its probe)`,
      );
    }
  }
  if (parked !== count) {
    throw new Error(
      `sched-park-1m: the probes reached workers holding ${parked} of the ${count} parked goroutines (an idle M was not woken for its probe)`,
    );
  }
  const main = after.main - before.main;
  const shared = after.shared - before.shared;
  const per = (x: number): string => B(x / count);
  return {
    bytes: workers + main + shared,
    detail:
      `per parked goroutine: M worker heaps ${per(workers)} + shared heap ${per(shared)} + main heap ${per(main)} ` +
      `(process RSS grew ${per(after.rss - before.rss)})` +
      (before.retries + after.retries > 0
        ? `; the probes had to be sent again ${before.retries + after.retries} time(s) to reach both Ms`
        : ''),
  };
}

async function gocspRound(n: number, signal: AbortSignal): Promise<Round> {
  return withRuntime(signal, { procs: PROCS }, async () => {
    const tasks = taskModule<Tasks>(new URL('./workers/sched-tasks.js', import.meta.url));
    await gocspPass(tasks, warmupSize(n), false);
    signal.throwIfAborted();
    const { ms, before, after } = await gocspPass(tasks, n, true);
    const { bytes, detail } = gocspBytes(n, before!, after!);
    return { n, usPer: (ms * 1000) / n, bytesPer: bytes / n, detail };
  });
}

function measureRound(kind: Kind, n: number, signal: AbortSignal): Promise<Round> {
  return kind === 'raw' ? rawRound(n) : gocspRound(n, signal);
}

// ---- cases ----

const NAMES: Record<Kind, string> = {
  raw: '1M async functions awaiting one promise (main thread)',
  gocsp: '1M goroutines: go(parker, ch, wg), await ch.recv(), 2 Ps',
};

const NOTES: Record<Kind, string> = {
  raw: '`async (gate, st) => { await gate; if (--st.left === 0) st.done(); }` called N times without keeping the promises; then the gate resolves',
  gocsp:
    '`parker = async (ch, wg) => { await ch.recv(); wg.done(); }` from workers/sched-tasks.ts, `go(parker, ch, wg)` N times from main on an unbuffered channel; then `ch.close()` and `await wg.wait()`',
};

function note(kind: Kind): string {
  const last = lastRound[kind];
  return last === undefined ? NOTES[kind] : `${NOTES[kind]}. Last round: ${last.detail}`;
}

function timeCase(kind: Kind, extra: Pick<BenchCase, 'baseline' | 'goal'>): BenchCase {
  return {
    name: NAMES[kind],
    n: N,
    quickN: QUICK_N,
    ...extra,
    note: NOTES[kind],
    run: async ({ n, signal }) => {
      const r = await measureRound(kind, n, signal);
      lastRound[kind] = r;
      unreported[kind].push(r);
      return r.usPer;
    },
  };
}

function memCase(kind: Kind, extra: Pick<BenchCase, 'baseline' | 'goal'>): BenchCase {
  return {
    name: NAMES[kind],
    n: N,
    quickN: QUICK_N,
    ...extra,
    get note(): string {
      return note(kind);
    },
    run: async ({ n, signal }) => {
      const queue = unreported[kind];
      while (queue.length > 0 && queue[0]!.n !== n) queue.shift();
      let r = queue.shift();
      if (r === undefined) {
        r = await measureRound(kind, n, signal);
        lastRound[kind] = r;
      }
      return r.bytesPer;
    },
  };
}

const HOW =
  'gocsp: a fresh runtime with gomaxprocs(2); the main thread starts N goroutines with `go(parker, ch, wg)`, ' +
  'each parks in `await ch.recv()` on one unbuffered channel; when all have started (runtime.stats: ' +
  'goroutines live on the Ps = N) the channel is closed and the main thread awaits `wg.wait()`. Raw: N ' +
  'async functions on the main thread await one promise, then it resolves. A warm-up pass of N/10 first.';

/** Time per goroutine, created, parked and released. */
export function schedPark1mSuite(): BenchSuite {
  return {
    name: 'sched-park-1m',
    title: 'A million parked goroutines: time to park and release them',
    description:
      `${HOW} Microseconds per goroutine: the time to start and park all of them plus the time from the ` +
      'release until all have finished (the memory probes in between are not timed). The memory of ' +
      'the same rounds is in sched-park-1m-mem.',
    metric: { kind: 'latency', unit: 'us', per: 'goroutine parked and released' },
    timeoutMs: 300_000,
    cases: [timeCase('raw', { baseline: true }), timeCase('gocsp', { goal: '<= 2x baseline' })],
  };
}

/** Bytes per parked goroutine. */
export function schedPark1mMemSuite(): BenchSuite {
  return {
    name: 'sched-park-1m-mem',
    title: 'A million parked goroutines: memory per parked goroutine',
    description:
      `${HOW} Bytes per parked goroutine, the growth between just before the goroutines start and when ` +
      'all are parked: for gocsp, the JS heaps of the M workers (one probe goroutine per P, ' +
      'workers/sched-tasks.ts probeHeap, blocks its thread until every P has one, forces two full ' +
      "GCs with V8's gc() and reads v8.getHeapStatistics().used_heap_size; a worker must report all " +
      'the goroutines parked on it) plus the shared heap in use (blocks carved minus the free lists, ' +
      'lib/heap.ts) plus the main thread heap after GC; for the raw case the main thread heap after ' +
      'GC. Figures are those of the sched-park-1m rounds of the same run when it ran just before.',
    metric: { kind: 'latency', unit: 'B', per: 'parked goroutine' },
    timeoutMs: 300_000,
    cases: [memCase('raw', { baseline: true }), memCase('gocsp', { goal: '<= 1024 B' })],
  };
}

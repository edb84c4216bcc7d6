/**
 * The public goroutine API: go, spawn, spawnWith, gomaxprocs, numCPU,
 * numGoroutine, gosched, sleep, and `runtime` (stats, shutdown, trace).
 *
 * Where a new goroutine goes (Go's newproc): called from a goroutine, into
 * its own P's runnext (the previous runnext moves to the local queue); called
 * from any other thread, into the global queue. Then, if a P is idle and no M
 * is spinning, one idle M is woken (wakep.ts). No message, no main-thread hop.
 */
import { shown } from '../internal/shown.js';
import { availableParallelism } from 'node:os';
import { structured } from '../codec.js';
import { GocspError, RuntimeStoppedError } from '../errors.js';
import { allocBlock, allocNode, freeNode } from '../internal/heap.js';
import { retain } from '../internal/object.js';
import { kShared, type Shareable } from '../internal/shared.js';
import { parkerFor, type Waiter } from '../internal/park.js';
import { WR_CHAN_RECV, beginSleep, endSleep, kDescribe, kWaitOn } from '../internal/waits.js';
import { storeValue, takeValue } from '../internal/values.js';
import { defaultWorld } from '../internal/worlds.js';
import {
  H_SCHED,
  NODE_CANCELLED,
  NODE_WAITING,
  N_A,
  N_B,
  N_C,
  N_D,
  N_OWNER,
  N_STATE,
} from '../internal/world.js';
import { fnIndexOf, type AnyFn, type TaskRef } from './funcs.js';
import { Host, defaultProcs, lostError, setPendingProcs } from './host.js';
import { role, type HostRole } from './role.js';
import { traceEvent } from './trace.js';
import {
  ARG_F64,
  isInt32,
  ARG_REF,
  G_ARGS,
  G_CLASS,
  G_DONE,
  G_FN,
  G_ID,
  G_INLINE,
  G_INLINE_MAX,
  G_LINK,
  G_META,
  argKind,
  queuedMeta,
  GOID_BASE,
  MAX_P,
  OUT_OK,
  OUT_OK_NUM,
  OUT_THREW,
  P_HEARTBEAT,
  P_IDLE,
  P_LIVE,
  P_N_COMPLETED,
  P_N_GLOBAL,
  P_N_PARKS,
  P_N_SPAWNED,
  P_N_SPINS,
  P_N_STARTED,
  P_N_STEALS,
  P_N_STOLEN,
  P_RETIRING,
  P_RUNNEXT,
  P_SPINNING,
  P_STATUS,
  SC_COMPLETED,
  SC_GOID,
  SC_GQ_SIZE,
  SC_LOST,
  SC_DROPPED,
  SC_NMSPINNING,
  SC_NP,
  SC_NPIDLE,
  Sched,
} from './sched.js';
import { decodeError } from '../internal/wire.js';
import { wakep } from './wakep.js';
import type { Trace } from './trace.js';
import { installDeadlockMonitor } from './monitor.js';
import { dump, goroutines, type GoroutineInfo } from './diag.js';

installDeadlockMonitor();

/** The running scheduler this thread can use, if any. */
function currentSched(): Sched | undefined {
  const r = role();
  if (r.sc !== undefined && r.sc.running) return r.sc;
  const world = defaultWorld();
  const addr = Atomics.load(world.i32, H_SCHED);
  if (addr !== 0) {
    const sc = new Sched(world, addr);
    if (sc.running) {
      r.sc = sc;
      return sc;
    }
  }
  return undefined;
}

/** The scheduler, started here on first use (lazily, as Go's runtime is always there). */
function sched(): Sched {
  const sc = currentSched();
  if (sc !== undefined) return sc;
  // Still published but not running: it is stopping (runtime.shutdown() not
  // finished yet, or it stopped itself) and detaches once its workers are
  // gone. Starting another now failed with an internal error ("a gocsp
  // runtime already runs in this world"); say what happens instead.
  if (Atomics.load(defaultWorld().i32, H_SCHED) !== 0) {
    throw new RuntimeStoppedError(
      'the goroutine runtime is stopping (runtime.shutdown() has not finished): await runtime.shutdown() before starting goroutines; the next go()/spawn() after it starts a fresh runtime',
    );
  }
  return Host.start().sc;
}

/** Allocates an unstarted G; throws (nothing allocated) for a bad function or argument. */
function newG(sc: Sched, fn: unknown, args: unknown[], done: number, what: string): number {
  const fi = fnIndexOf(sc, fn, what);
  const n = args.length;
  const world = sc.world;
  // No argument, one number or shared object, or two int32s / shared
  // objects (go(worker, wg, id), go(parker, ch, wg)) travel inline in the G:
  // no encoding, no value block (G layout: sched.ts).
  let inline = n <= G_INLINE_MAX;
  let kinds = 0;
  for (let k = 0; inline && k < n; k++) {
    const a = args[k];
    if (typeof a === 'number') {
      if (isInt32(a)) continue; // ARG_INT
      if (n === 1) kinds = ARG_F64;
      else inline = false;
    } else if (
      typeof a === 'object' &&
      a !== null &&
      kShared in a &&
      (a as Shareable)[kShared].world === world
    ) {
      kinds |= ARG_REF << (2 * k);
    } else inline = false;
  }
  const bytes = inline ? undefined : encodeArgs(args, what);
  const i32 = sc.i32;
  const g = allocBlock(world, G_CLASS, false);
  i32[g + G_LINK] = 0;
  i32[g + G_FN] = fi;
  if (inline) {
    i32[g + G_ARGS] = 0;
    i32[g + G_META] = queuedMeta(n, kinds);
    if (kinds === ARG_F64) sc.f64[(g + G_INLINE) >> 1] = args[0] as number;
    else {
      for (let k = 0; k < n; k++) {
        if (argKind(kinds << 10, k) === ARG_REF) {
          const ref = (args[k] as Shareable)[kShared].ref;
          retain(world, ref); // the in-flight reference; the M's revival consumes it
          i32[g + G_INLINE + k] = ref;
        } else i32[g + G_INLINE + k] = args[k] as number;
      }
    }
  } else {
    i32[g + G_META] = 0;
    i32[g + G_ARGS] = storeValue(world, bytes!);
  }
  i32[g + G_DONE] = done;
  const goid = sc.add(SC_GOID, 1) + 1;
  i32[g + G_ID] = goid;
  return g;
}

/**
 * The encoded argument array; for one that cannot be sent, a TypeError that
 * names the argument ("argument 1 of spawn is a function: ...").
 */
function encodeArgs(args: unknown[], what: string): Uint8Array {
  try {
    return structured.encode(args);
  } catch (e) {
    for (let k = 0; k < args.length; k++) {
      try {
        structured.dispose?.(structured.encode(args[k]));
      } catch (inner) {
        throw new TypeError(
          `argument ${k + 1} of ${what} is ${shown(args[k])}, which cannot be sent to a goroutine: ${(inner as Error).message}`,
          { cause: inner },
        );
      }
    }
    throw e;
  }
}

/**
 * Makes G runnable (newproc's runqput + wakep). `here`: on an M, G goes to
 * this P's runnext (it runs when the spawner yields, and no other P steals
 * it while this one is not stuck); else to the global queue, where the idle
 * P that wakep wakes takes it.
 */
function ready(sc: Sched, g: number, here = true): void {
  const r = role();
  const m = r.m;
  const rec = m ?? r.host;
  if (rec?.trace) traceEvent(rec, 'spawn', { goid: sc.i32[g + G_ID] });
  if (m !== undefined && m.sc === sc && m.active()) {
    sc.i32[m.p + P_N_SPAWNED] = sc.i32[m.p + P_N_SPAWNED]! + 1;
    if (!here) {
      // For another P: wake one, never this one (its M loop, parked idle
      // while this goroutine runs, would take G at this goroutine's next await).
      sc.globput1(g);
      wakep(sc, m.p);
      return;
    }
    sc.runqput(m.p, g, true);
    // A goroutine of ours runs, so our P is busy even if its M loop is still
    // parked idle (the goroutine resumed from an await): leave the idle set
    // now, so that wakep below wakes another P, not this one, and the monitor
    // can see this P stuck if the goroutine runs on synchronously.
    m.claimSelf();
    m.localWake();
  } else {
    sc.globput1(g);
  }
  wakep(sc);
}

/**
 * Starts a goroutine: `fn(...args)` runs on the worker runtime. `fn` is a
 * self-contained function (it may use only its parameters, globals and
 * `await import(...)`; pass everything else as arguments) or a `taskModule`
 * reference. Arguments are copied with structured-clone semantics; gocsp
 * shared objects (channels, WaitGroup, Mutex...) arrive live. An error that
 * escapes the goroutine is a panic: thrown on the main thread as an uncaught
 * `PanicError`.
 *
 * @example
 * ```ts
 * const ch = chan<number>();
 * go(async (c, n) => { await c.send(n * 2); }, ch, 21);
 * console.log(await ch.recv()); // 42
 * ```
 */
export function go<F extends AnyFn>(fn: F | TaskRef<F>, ...args: Parameters<F>): void {
  const sc = sched();
  ready(sc, newG(sc, fn, args, 0, 'go'));
}

/**
 * @internal `go` for a goroutine meant to run beside its spawner, on another
 * P: it is queued where any P may take it (the global queue) instead of
 * this P's runnext, and an idle P is woken for it. With no idle P it waits
 * there until a P looks, possibly this one. (Used by @gocsp/patterns to split
 * a fused pipeline stage.)
 *
 * @example
 * ```ts
 * goElsewhere(trampoline, 'worker', ...args);
 * ```
 */
export function goElsewhere<F extends AnyFn>(fn: F | TaskRef<F>, ...args: Parameters<F>): void {
  const sc = sched();
  ready(sc, newG(sc, fn, args, 0, 'go'), false);
}

/**
 * Like `go`, and settles with the goroutine's result: resolves with its return
 * value (copied back; shared objects live), rejects with the error it threw
 * (class name, message, stack, `cause` and own properties kept).
 *
 * @example
 * ```ts
 * const sum = await spawn((n: number) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }, 1e6);
 * ```
 */
export function spawn<F extends AnyFn>(
  fn: F | TaskRef<F>,
  ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>> {
  return spawnImpl(undefined, fn, args, 'spawn') as Promise<Awaited<ReturnType<F>>>;
}

/** Options of `spawnWith`. */
export interface SpawnOptions {
  /** Aborting rejects the spawn with the signal's reason; a goroutine not yet started never runs. */
  signal?: AbortSignal | undefined;
}

/**
 * `spawn`, cancellable: an aborted signal rejects with its reason at once. A
 * goroutine that has not started yet never runs; one that has started runs
 * on (JavaScript cannot stop it; pass the signal's state in a shared object or
 * a Context if it should stop), and its result is dropped. The worker is
 * never killed.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * setTimeout(() => ac.abort(), 100);
 * await spawnWith({ signal: ac.signal }, slowTask, 1).catch((e) => console.log('gave up:', e));
 * ```
 */
export function spawnWith<F extends AnyFn>(
  opts: SpawnOptions,
  fn: F | TaskRef<F>,
  ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>> {
  return spawnImpl(opts.signal, fn, args, 'spawnWith') as Promise<Awaited<ReturnType<F>>>;
}

function spawnImpl(
  signal: AbortSignal | undefined,
  fn: unknown,
  args: unknown[],
  what: 'spawn' | 'spawnWith',
): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- AbortSignal contract: the reason as is
  if (signal?.aborted) return Promise.reject(signal.reason);
  let sc: Sched;
  let node: number;
  let g: number;
  try {
    sc = sched();
    const world = sc.world;
    node = allocNode(world);
    const i32 = world.i32;
    i32[node + N_OWNER] = world.token;
    i32[node + N_STATE] = NODE_WAITING;
    try {
      g = newG(sc, fn, args, node, what);
    } catch (e) {
      freeNode(world, node);
      throw e;
    }
    i32[node + N_C] = i32[g + G_ID]!;
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  const call = new SpawnCall(sc, node, signal);
  const promise = new Promise<unknown>((resolve, reject) => {
    call.resolve = resolve;
    call.reject = reject;
  });
  parkerFor(sc.world).park(node, call);
  if (signal !== undefined) signal.addEventListener('abort', call, { once: true });
  ready(sc, g);
  return promise;
}

/**
 * A pending spawn: the Waiter of its completion node (one object per spawn,
 * no closures: spawn is a hot path). Giving up (abort, deadlock) wins only
 * while the node is WAITING - then the M or the host frees the node -
 * otherwise the outcome is already on its way and `wake` settles.
 */
class SpawnCall implements Waiter {
  resolve!: (v: unknown) => void;
  reject!: (e: unknown) => void;
  private abortReason: { r: unknown } | undefined;
  /** The goroutine dump's record (internal/waits.ts), declared so the park adds no property. */
  wr = 0;

  constructor(
    private readonly sc: Sched,
    private readonly node: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Go's view of awaiting a spawn: a goroutine plus a channel for its result. */
  [kWaitOn](): [number, unknown] {
    return [WR_CHAN_RECV, this];
  }

  /** What a goroutine dump says this wait is on. */
  [kDescribe](): string {
    return `result of goroutine ${this.sc.i32[this.node + N_C]!}`;
  }

  /** The signal's 'abort' event. */
  handleEvent(): void {
    const reason: unknown = this.signal!.reason;
    if (!this.giveUp(reason)) this.abortReason = { r: reason };
  }

  fail(err: Error): void {
    this.giveUp(err);
  }

  private giveUp(why: unknown): boolean {
    const { sc, node } = this;
    if (
      Atomics.compareExchange(sc.i32, node + N_STATE, NODE_WAITING, NODE_CANCELLED) !== NODE_WAITING
    ) {
      return false;
    }
    parkerFor(sc.world).unpark(node);
    this.signal?.removeEventListener('abort', this);
    this.reject(why);
    return true;
  }

  wake(): void {
    const { sc, node } = this;
    const world = sc.world;
    const i32 = sc.i32;
    this.signal?.removeEventListener('abort', this);
    const outcome = i32[node + N_B]!;
    if (outcome === OUT_OK_NUM && this.abortReason === undefined) {
      const v = sc.f64[(node + N_C) >> 1];
      freeNode(world, node);
      this.resolve(v);
      return;
    }
    const v = i32[node + N_A]!;
    const goid = i32[node + N_C]!;
    const code = i32[node + N_D]!;
    freeNode(world, node);
    try {
      const bytes = v === 0 ? undefined : takeValue(world, v);
      if (this.abortReason !== undefined) {
        if (bytes !== undefined && outcome === OUT_OK) structured.dispose?.(bytes);
        this.reject(this.abortReason.r);
      } else if (outcome === OUT_OK) this.resolve(structured.decode(bytes!));
      else if (outcome === OUT_THREW) this.reject(decodeError(bytes!));
      else {
        this.reject(
          lostError(outcome, goid, code, bytes === undefined ? undefined : decodeError(bytes)),
        );
      }
    } catch (e) {
      this.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

/**
 * Sets the number of Ps (worker threads running goroutines) and returns the
 * previous value; with no argument or 0 it only returns it. Live: growing
 * starts workers, shrinking lets the surplus Ps finish the goroutines they
 * started (their queued ones move to other Ps) and then end. Before the
 * runtime starts it sets the size it will start with. The default is the
 * `GOMAXPROCS` environment variable, else `numCPU()`.
 *
 * @example
 * ```ts
 * const prev = gomaxprocs(1); // run goroutines on one worker: concurrency, no parallelism
 * ```
 */
export function gomaxprocs(n?: number): number {
  const sc = currentSched();
  const prev = sc !== undefined ? sc.get(SC_NP) : defaultProcs();
  if (n === undefined || n === 0) return prev;
  if (!Number.isInteger(n) || n < 1 || n > MAX_P) {
    throw new RangeError(
      `gomaxprocs(n): n must be an integer from 1 to ${MAX_P} (0 = query); got ${shown(n)}`,
    );
  }
  if (sc === undefined) {
    setPendingProcs(n);
    return prev;
  }
  const host = role().host;
  if (host === undefined || host.sc !== sc) {
    throw new GocspError(
      'gomaxprocs(n) can change the number of Ps only on the thread that started the runtime (usually the main thread); call it there',
    );
  }
  host.resize(n);
  return prev;
}

/**
 * The number of CPUs this process may use (`os.availableParallelism()`).
 *
 * @example
 * ```ts
 * gomaxprocs(numCPU());
 * ```
 */
export function numCPU(): number {
  return availableParallelism();
}

function liveGoroutines(sc: Sched): number {
  const n =
    sc.get(SC_GOID) - GOID_BASE - sc.get(SC_COMPLETED) - sc.get(SC_LOST) - sc.get(SC_DROPPED);
  return Math.max(0, n);
}

/**
 * Goroutines that exist now, on all threads, counting the main thread as one
 * (as Go counts main): started ones and those waiting to start.
 *
 * @example
 * ```ts
 * for (let i = 0; i < 3; i++) go(async () => {});
 * console.log(numGoroutine()); // up to 4
 * ```
 */
export function numGoroutine(): number {
  const sc = currentSched();
  return 1 + (sc === undefined ? 0 : liveGoroutines(sc));
}

/**
 * Yields: other runnable goroutines (and this thread's pending callbacks) run
 * before this one continues. Go's runtime.Gosched.
 *
 * @example
 * ```ts
 * for (let i = 0; i < 3; i++) { console.log(id, i); await gosched(); }
 * ```
 */
export function gosched(): Promise<void> {
  return new Promise<void>((r) => setImmediate(r));
}

/**
 * Resolves after `ms` milliseconds (a timer: it keeps the thread alive and
 * counts as pending work for deadlock detection). Go's time.Sleep.
 *
 * @example
 * ```ts
 * await sleep(100);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    return Promise.reject(new RangeError(`sleep(ms): ms must be a number >= 0; got ${shown(ms)}`));
  }
  return new Promise<void>((r) => {
    const w = beginSleep(ms); // shown as [sleep] in a goroutine dump
    setTimeout(() => {
      endSleep(w);
      r();
    }, ms);
  });
}

/** Counters of one P (`runtime.stats().ps`). */
export interface PStats {
  /** P index (its worker's track in a trace). */
  id: number;
  status: 'active' | 'retiring';
  /** Gs waiting in its local run queue (plus runnext). */
  runqueue: number;
  runnext: boolean;
  idle: boolean;
  spinning: boolean;
  /** Goroutines started on its M and not finished. */
  live: number;
  /** Goroutines created by goroutines running on it. */
  spawned: number;
  started: number;
  completed: number;
  /** Gs it stole from other Ps. */
  steals: number;
  /** Gs other Ps stole from it. */
  stolen: number;
  /** Times its M parked idle. */
  parks: number;
  /** Times its M spun looking for work. */
  spins: number;
  /** Gs it took from the global queue. */
  fromGlobal: number;
  heartbeat: number;
}

/** A snapshot of the scheduler (`runtime.stats()`). */
export interface RuntimeStats {
  /** False until the first `go` / `spawn` (then the other fields are zero). */
  running: boolean;
  gomaxprocs: number;
  /** numGoroutine(). */
  goroutines: number;
  /** Gs in the global run queue. */
  globalQueue: number;
  spawned: number;
  completed: number;
  /** Goroutines lost with a worker that died. */
  lost: number;
  steals: number;
  parks: number;
  spins: number;
  idlePs: number;
  spinningMs: number;
  ps: PStats[];
}

function stats(): RuntimeStats {
  const sc = currentSched();
  if (sc === undefined) {
    return {
      running: false,
      gomaxprocs: defaultProcs(),
      goroutines: 1,
      globalQueue: 0,
      spawned: 0,
      completed: 0,
      lost: 0,
      steals: 0,
      parks: 0,
      spins: 0,
      idlePs: 0,
      spinningMs: 0,
      ps: [],
    };
  }
  const i32 = sc.i32;
  const ps: PStats[] = sc.pindexes().map((id) => {
    const p = sc.p(id);
    const at = (off: number): number => Atomics.load(i32, p + off);
    return {
      id,
      status: at(P_STATUS) === P_RETIRING ? 'retiring' : 'active',
      runqueue: sc.runqlen(p),
      runnext: at(P_RUNNEXT) !== 0,
      idle: at(P_IDLE) !== 0,
      spinning: at(P_SPINNING) !== 0,
      live: at(P_LIVE),
      spawned: at(P_N_SPAWNED),
      started: at(P_N_STARTED),
      completed: at(P_N_COMPLETED),
      steals: at(P_N_STEALS),
      stolen: at(P_N_STOLEN),
      parks: at(P_N_PARKS),
      spins: at(P_N_SPINS),
      fromGlobal: at(P_N_GLOBAL),
      heartbeat: at(P_HEARTBEAT),
    };
  });
  const sum = (f: (p: PStats) => number): number => ps.reduce((a, p) => a + f(p), 0);
  return {
    running: true,
    gomaxprocs: sc.get(SC_NP),
    goroutines: numGoroutine(),
    globalQueue: sc.get(SC_GQ_SIZE),
    spawned: sc.get(SC_GOID) - GOID_BASE,
    completed: sc.get(SC_COMPLETED),
    lost: sc.get(SC_LOST),
    steals: sum((p) => p.steals),
    parks: sum((p) => p.parks),
    spins: sum((p) => p.spins),
    idlePs: sc.get(SC_NPIDLE),
    spinningMs: sc.get(SC_NMSPINNING),
    ps,
  };
}

function hostOrThrow(what: string): HostRole {
  const host = role().host;
  if (host === undefined) {
    throw new GocspError(
      `runtime.${what}() must be called on the thread that started the runtime (usually the main thread), after the first go()/spawn()`,
    );
  }
  return host;
}

/**
 * The runtime's controls.
 *
 * @example
 * ```ts
 * console.log(runtime.stats().ps.map((p) => p.steals));
 * runtime.startTrace();
 * await work();
 * fs.writeFileSync('trace.json', JSON.stringify(await runtime.stopTrace())); // open in ui.perfetto.dev
 * await runtime.shutdown();
 * ```
 */
export const runtime = {
  /** Per-P run queue lengths and counters (spawned, started, completed, steals, parks, spins...). */
  stats,
  /**
   * Stops every worker. Goroutines not finished are abandoned, as when Go's
   * main returns: their `spawn`s reject with RuntimeStoppedError. The next
   * `go` starts a fresh runtime.
   */
  async shutdown(): Promise<void> {
    const host = role().host;
    if (host === undefined) return;
    await host.shutdown();
  },
  /** Starts recording scheduling events (spawn, run, park, steal per P). */
  startTrace(): void {
    hostOrThrow('startTrace').startTrace();
  },
  /** Stops recording; the result is Chrome trace-event JSON that Perfetto opens. */
  stopTrace(): Promise<Trace> {
    return hostOrThrow('stopTrace').stopTrace();
  },
  /**
   * A snapshot of every goroutine on every thread - Ms, the main thread's
   * pending gocsp operations (goroutine 1), hand-made workers that loaded
   * gocsp - with what each waits on, where, and where it was created. Each
   * entry is consistent; the set is not atomic (threads answer one after
   * the other, within ~200 ms; a thread too busy to answer is shown from
   * shared memory). Callable from any thread.
   */
  goroutines(): GoroutineInfo[] {
    return goroutines();
  },
  /** `runtime.goroutines()` as Go's traceback text (`goroutine 7 [chan receive]:` blocks). */
  dump,
};

/**
 * The M: a worker thread running one P's scheduling loop.
 *
 * Each round the M bumps its heartbeat, finds a runnable G (Go's
 * findRunnable: every 61st round the global queue first, then runnext and the
 * local ring, then the global queue, then stealing half of another P's ring),
 * and starts it: decodes its arguments, looks up the compiled function, and
 * calls it. The goroutine runs until its first `await`; from then on it is a
 * suspended async function in this worker's heap, resumed by the event loop
 * (a same-thread channel hand-off resumes it in a microtask, a cross-thread
 * wake through the thread's Parker). So the M starts a new G only when the
 * event loop is idle: it starts up to BATCH Gs (or ~1 ms of them), then
 * yields with setImmediate so continuations, I/O and wakes run first. Gs it
 * has not started stay in its queue, where idle Ps can steal them.
 *
 * With nothing to run the M spins for a while (only if fewer Ms spin than half
 * the busy Ps, as in Go), then parks: P_IDLE = 1, SC_NPIDLE + 1, a last look
 * at every queue, then Atomics.waitAsync on P_WAKE. It never blocks its event
 * loop (its goroutines may be awaiting I/O); a ref'd interval keeps the worker
 * alive, and the host unrefs the Worker so a finished program exits anyway.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { structured } from '../codec.js';
import { freeBlock } from '../internal/heap.js';
import { freeNode } from '../internal/heap.js';
import { parkerFor, wakeNode } from '../internal/park.js';
import { relax } from '../internal/spin.js';
import { storeValue, takeValue } from '../internal/values.js';
import { adoptWorld } from '../internal/worlds.js';
import { reviveRef } from '../internal/shared.js';
import {
  H_RUNNING,
  NODE_CANCELLED,
  NODE_WAITING,
  NODE_WOKEN,
  N_A,
  N_B,
  N_C,
  N_STATE,
} from '../internal/world.js';
import { compile, explainCapture, funcKey, siteOf, type Compiled } from './funcs.js';
import { answerIfAsked, dumpAsked, foreignResources } from './diag.js';
import { quiet, running } from '../internal/waits.js';
import { toPath } from '../internal/callsite.js';
import { unregisteredChildren } from '../internal/worlds.js';
import { loadAllTypeModules, typeCount } from '../internal/types.js';
import { inheritLoaders } from './loaders.js';
import { role, type MRole } from './role.js';
import {
  ARG_INT,
  isInt32,
  ARG_REF,
  G_ARGS,
  G_CLASS,
  G_DONE,
  G_FN,
  G_ID,
  G_INLINE,
  G_META,
  G_NEXT,
  G_PREV,
  argKind,
  inlineArgs,
  markStarted,
  OUT_OK,
  OUT_OK_NUM,
  OUT_THREW,
  P_ACK,
  P_ACTIVE,
  P_CURG,
  P_FOREIGN,
  P_HEARTBEAT,
  P_IDLE,
  P_LIVE,
  P_M,
  P_N_COMPLETED,
  P_N_PARKS,
  P_N_SPINS,
  P_N_STARTED,
  P_RETIRING,
  P_SPINNING,
  P_STARTED,
  P_STATUS,
  P_STUCK,
  P_WAKE,
  SC_COMPLETED,
  SC_DROPPED,
  SC_NMSPINNING,
  SC_NP,
  SC_NPIDLE,
  SC_PROBE,
  SC_TRACE,
  Sched,
  disposeArgs,
  disposeValue,
} from './sched.js';
import { IDLE_CLAIMED, IDLE_NO, IDLE_PARKED, wakep } from './wakep.js';
import { encodeError } from '../internal/wire.js';
import { traceEvent } from './trace.js';

const BATCH = 64;
const SLICE_MS = 1;
const SPIN_MS = 0.05;
/** How long the M waits for a goroutine's function to load before it schedules on (run()). */
const LOAD_WAIT_MS = 50;
const NOOP = (): void => {};
/** GOCSP_STEAL=0 turns work stealing off (for the stealing-on-vs-off benchmark only). */
const STEAL = process.env.GOCSP_STEAL !== '0';

export interface MData {
  world: SharedArrayBuffer;
  sched: number;
  index: number;
}

/** Messages an M posts to the host (cold paths only). */
export type MMessage =
  | { t: 'panic'; goid: number; err: Uint8Array; createdBy?: string }
  | { t: 'retired' }
  | { t: 'halted' }
  | { t: 'trace'; events: unknown[] };

class M implements MRole {
  readonly sc: Sched;
  readonly p: number;
  readonly index: number;
  current = 0;
  trace: unknown[] | undefined;
  private readonly i32: Int32Array;
  private readonly fns = new Map<number, Compiled | Promise<Compiled>>();
  private spinning = false;
  private tick = 0;
  private mods = 0;
  private wakeUp: (() => void) | undefined;
  private armed: { v: number; promise: Promise<unknown> } | undefined;
  private readonly keepAlive = setInterval(NOOP, 1 << 30);

  constructor(sc: Sched, index: number) {
    this.sc = sc;
    this.index = index;
    this.p = sc.p(index);
    this.i32 = sc.i32;
  }

  active(): boolean {
    return Atomics.load(this.i32, this.p + P_STATUS) === P_ACTIVE;
  }

  claimSelf(): void {
    const { i32, p, sc } = this;
    if (Atomics.compareExchange(i32, p + P_IDLE, IDLE_PARKED, IDLE_NO) === IDLE_PARKED) {
      Atomics.sub(i32, sc.s + SC_NPIDLE, 1);
    }
  }

  localWake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  async run(): Promise<void> {
    const { sc, p, i32 } = this;
    await inheritLoaders();
    Atomics.store(i32, p + P_M, sc.world.token);
    for (;;) {
      if (!sc.running) return this.halt();
      Atomics.add(i32, p + P_HEARTBEAT, 1);
      answerIfAsked(); // a goroutine dump request (runtime/diag.ts): one load when there is none
      if (Atomics.load(i32, p + P_STATUS) === P_RETIRING) return this.retire();
      let g = this.findRunnable();
      if (g === 0 && (this.spinning || this.startSpinning())) g = this.spin();
      if (g === 0) {
        await this.park();
        continue;
      }
      // Go's resetspinning: a waker may have handed us a spinning count
      // (IDLE_CLAIMED, see unidle) and we found work on the first look, not in
      // spin()'s loop. Give the count back now (waking another M if work
      // is left): an M keeping it while it runs a long goroutine makes every
      // wakep (spawns, sysmon's stuck-P rescue) a no-op, and the Gs queued
      // behind that goroutine would never be stolen.
      if (this.spinning) this.stopSpinning();
      // Every package that registered a shared type is loaded before the
      // goroutines run (internal/types.ts): @gocsp/patterns' routines find
      // their bodies in its registry. (An argument's type would load on
      // revival anyway.)
      if (typeCount(sc.world) > this.mods) this.mods = loadAllTypeModules(sc.world);
      let t0 = performance.now();
      for (let n = 0; g !== 0;) {
        const loading = this.start(g);
        if (loading !== undefined) {
          // Its function is being imported: start nothing more until it ran.
          // Starting the Gs behind it now would claim them all for this M
          // (start() returns at once while the import is pending), to run
          // one after the other here; left queued, idle Ps steal them. Then
          // go on with the batch at once (not a new round): this round's
          // setImmediate must still come before any that g queued (gosched),
          // so that g yields to the Gs behind it. At most LOAD_WAIT_MS: a
          // module whose top-level await takes long (or never ends) must not
          // stall this P.
          await waitAtMost(loading, LOAD_WAIT_MS);
          t0 = performance.now();
        }
        if (++n >= BATCH || performance.now() - t0 > SLICE_MS) break;
        // gomaxprocs went down meanwhile: start nothing more here (retire).
        if (Atomics.load(i32, p + P_STATUS) !== P_ACTIVE) break;
        g = this.findLocal();
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Runnext, the local ring, or a share of the global queue. */
  private findLocal(): number {
    const { sc, p } = this;
    if (++this.tick % 61 === 0) {
      const g = sc.globget(p, 1);
      if (g !== 0) return g;
    }
    return sc.runqget(p) || sc.globget(p, 0);
  }

  /** Go's findRunnable without the parking: local, global, then steal. */
  private findRunnable(): number {
    const g = this.findLocal();
    if (g !== 0 || !STEAL) return g;
    return this.steal();
  }

  private steal(): number {
    const { sc, p } = this;
    const ps = sc.pindexes();
    const n = ps.length;
    if (n < 2) return 0;
    const start = Math.floor(Math.random() * n);
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < n; k++) {
        const victim = sc.p(ps[(start + k) % n]!);
        if (victim === p) continue;
        const stuck = Atomics.load(sc.i32, victim + P_STUCK) === 1;
        const g = sc.runqsteal(p, victim, stuck);
        if (g !== 0) {
          if (this.trace)
            traceEvent(this, 'steal', { from: (victim - sc.p(0)) / (sc.p(1) - sc.p(0)) });
          return g;
        }
      }
    }
    return 0;
  }

  private startSpinning(): boolean {
    const { sc, i32 } = this;
    const np = sc.get(SC_NP);
    const busy = np - sc.get(SC_NPIDLE);
    if (2 * sc.get(SC_NMSPINNING) >= busy) return false;
    Atomics.add(i32, sc.s + SC_NMSPINNING, 1);
    Atomics.store(i32, this.p + P_SPINNING, 1);
    this.spinning = true;
    return true;
  }

  /** Gives back the spinning count; if it was the last spinner and work is left, wakes another M. */
  private stopSpinning(): void {
    if (!this.spinning) return;
    this.spinning = false;
    Atomics.store(this.i32, this.p + P_SPINNING, 0);
    const left = Atomics.sub(this.i32, this.sc.s + SC_NMSPINNING, 1) - 1;
    if (left === 0 && this.sc.anyRunnable()) wakep(this.sc);
  }

  /**
   * Nothing to run and this M holds a spinning count: polls the queues for
   * SPIN_MS, then gives the count back. Returns a G or 0. Kept apart from
   * park() and synchronous: the loop is what gets hot, and TurboFan compiles
   * it on every M without park()'s cold code (whose paths, first taken after
   * the compile, would throw the code away for lack of type feedback).
   */
  private spin(): number {
    const { p, i32 } = this;
    i32[p + P_N_SPINS] = i32[p + P_N_SPINS]! + 1;
    const end = performance.now() + SPIN_MS;
    let g: number;
    for (let polls = 1; ; polls++) {
      g = this.findRunnable();
      if (g !== 0 || ((polls & 7) === 0 && performance.now() > end)) break;
      for (let k = 0; k < 20; k++) relax();
    }
    // One way out for both endings: the loop is compiled on stack (OSR)
    // while it spins, and an exit path of its own that had not run yet would
    // be compiled without feedback, to be thrown away when first taken.
    this.stopSpinning();
    return g !== 0 ? g : this.findRunnable();
  }

  /** Nothing to run: parks until woken (the caller then looks for work again). */
  private async park(): Promise<void> {
    const { sc, p, i32 } = this;
    i32[p + P_N_PARKS] = i32[p + P_N_PARKS]! + 1;
    const v = Atomics.load(i32, p + P_WAKE);
    Atomics.store(i32, p + P_IDLE, IDLE_PARKED);
    Atomics.add(i32, sc.s + SC_NPIDLE, 1);
    if (
      sc.anyRunnable() ||
      !sc.running ||
      Atomics.load(i32, p + P_STATUS) !== P_ACTIVE ||
      Atomics.load(i32, p + P_ACK) !== sc.get(SC_PROBE) ||
      dumpAsked()
    ) {
      this.unidle();
      if (Atomics.load(i32, p + P_ACK) !== sc.get(SC_PROBE)) this.answerProbe();
      answerIfAsked();
      return;
    }
    if (this.trace) traceEvent(this, 'park', {});
    quiet();
    Atomics.sub(i32, H_RUNNING, 1);
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      if (this.armed === undefined || this.armed.v !== v) {
        const r = Atomics.waitAsync(i32, p + P_WAKE, v);
        if (!r.async) {
          this.armed = undefined;
          resolve();
          return;
        }
        this.armed = { v, promise: r.value };
        void r.value.then(() => {
          if (this.armed?.promise === r.value) this.armed = undefined;
        });
      }
      void this.armed.promise.then(() => resolve());
    });
    this.wakeUp = undefined;
    Atomics.add(i32, H_RUNNING, 1);
    this.unidle();
  }

  /** Leaves the idle state after a wake (taking over a spinning count if a waker handed one). */
  private unidle(): void {
    const { i32, p, sc } = this;
    const st = Atomics.load(i32, p + P_IDLE);
    if (st === IDLE_CLAIMED) {
      Atomics.store(i32, p + P_IDLE, IDLE_NO);
      this.spinning = true;
      Atomics.store(i32, p + P_SPINNING, 1);
    } else if (
      st === IDLE_PARKED &&
      Atomics.compareExchange(i32, p + P_IDLE, IDLE_PARKED, IDLE_NO) === IDLE_PARKED
    ) {
      Atomics.sub(i32, sc.s + SC_NPIDLE, 1);
    } else if (Atomics.load(i32, p + P_IDLE) === IDLE_CLAIMED) {
      this.unidle();
    }
  }

  /** Deadlock probe (monitor.ts): publish what could still wake this thread. */
  private answerProbe(): void {
    const { i32, p, sc } = this;
    Atomics.store(
      i32,
      p + P_FOREIGN,
      foreignResources(this.ownTimers()) + unregisteredChildren(sc.world),
    );
    Atomics.store(i32, p + P_ACK, sc.get(SC_PROBE));
  }

  private ownTimers(): number {
    return 1 + (parkerFor(this.sc.world).holdsProcess ? 1 : 0);
  }

  /**
   * Starts goroutine g: its synchronous part runs now, or, if its function is
   * not loaded yet on this M, once it is (then the promise of that, settled
   * after the synchronous part ran).
   */
  private start(g: number): Promise<void> | undefined {
    const { sc, p, i32 } = this;
    const world = sc.world;
    const done = i32[g + G_DONE]!;
    if (done !== 0 && Atomics.load(i32, done + N_STATE) === NODE_CANCELLED) {
      // spawnWith's signal aborted before it started: it never runs. The
      // spawner settled already and left the node to us.
      disposeArgs(sc, g);
      freeBlock(world, g, G_CLASS);
      freeNode(world, done);
      Atomics.add(i32, sc.s + SC_DROPPED, 1);
      return;
    }
    // runtime.startTrace() sets SC_TRACE, then posts 'trace-start'; the
    // message can arrive after this M has run the next goroutines (they would
    // be missing from the trace), so the flag is checked here too.
    if (this.trace === undefined && Atomics.load(i32, sc.s + SC_TRACE) === 1) this.trace = [];
    // The arguments' words first: linking the G into the started list
    // overwrites them (G layout: sched.ts).
    const a = i32[g + G_ARGS]!;
    const meta = i32[g + G_META]!;
    markStarted(i32, g, this.index);
    // Link into the started list (read by the host if this thread dies).
    const head = i32[p + P_STARTED]!;
    i32[g + G_PREV] = 0;
    i32[g + G_NEXT] = head;
    if (head !== 0) i32[head + G_PREV] = g;
    i32[p + P_STARTED] = g;
    i32[p + P_LIVE] = i32[p + P_LIVE]! + 1;
    i32[p + P_N_STARTED] = i32[p + P_N_STARTED]! + 1;
    const fi = i32[g + G_FN]!;
    let args: unknown[];
    try {
      if (a === 0) {
        const n = inlineArgs(meta);
        args = new Array<unknown>(n);
        for (let k = 0; k < n; k++) {
          const kind = argKind(meta, k);
          args[k] =
            kind === ARG_REF
              ? reviveRef(world, i32[g + G_INLINE + k]!, true)
              : kind === ARG_INT
                ? i32[g + G_INLINE + k]!
                : smallest(sc.f64[(g + G_INLINE) >> 1]!);
        }
      } else {
        args = structured.decode(takeValue(world, a)) as unknown[];
      }
    } catch (e) {
      this.finish(g, OUT_THREW, e, undefined);
      return;
    }
    const c = this.fns.get(fi);
    if (c === undefined || c instanceof Promise) {
      const pending = c ?? this.load(fi);
      return pending.then(
        (cc) => this.call(g, cc, args),
        (e: unknown) => this.finish(g, OUT_THREW, e, undefined),
      );
    }
    this.call(g, c, args);
    return undefined;
  }

  /**
   * The table index of the goroutine function a stack frame is in (runtime/diag.ts
   * matches waits to goroutines with it), or -1: an inline function compiled
   * at its place covers a line range of its file; a task module's function
   * is known by its file and name.
   */
  fnOfFrame(file: string | undefined, line: number, name: string | null): number {
    if (file === undefined) return -1;
    const path = toPath(file);
    let best = -1;
    let span = Infinity;
    for (const [fi, c] of this.fns) {
      if (c instanceof Promise || c.file === undefined || toPath(c.file) !== path) continue;
      if (c.lines === undefined) {
        if (name === c.label && span === Infinity) best = fi;
        continue;
      }
      const [a, b] = c.lines;
      // The innermost range: a function literal nested in another's text is its own entry.
      if (line >= a && line <= b && b - a < span) {
        best = fi;
        span = b - a;
      }
    }
    return best;
  }

  private load(fi: number): Promise<Compiled> {
    const pr = compile(funcKey(this.sc, fi), siteOf(this.sc, fi)?.place);
    this.fns.set(fi, pr);
    pr.then(
      (c) => this.fns.set(fi, c),
      () => this.fns.delete(fi),
    );
    return pr;
  }

  private call(g: number, c: Compiled, args: unknown[]): void {
    const goid = this.i32[g + G_ID]!;
    const done = this.i32[g + G_DONE]!;
    if (done !== 0 && Atomics.load(this.i32, done + N_STATE) === NODE_CANCELLED) {
      // spawnWith's signal aborted while the function was being imported: it never runs.
      this.finish(g, OUT_OK, undefined, c);
      return;
    }
    let r: unknown;
    const t0 = this.trace ? performance.now() : 0;
    const i32 = this.i32;
    this.current = goid;
    running.g = goid;
    i32[this.p + P_CURG] = goid;
    try {
      r = c.fn(...args);
    } catch (e) {
      this.current = running.g = i32[this.p + P_CURG] = 0;
      this.finish(g, OUT_THREW, e, c);
      return;
    }
    this.current = running.g = i32[this.p + P_CURG] = 0;
    if (this.trace)
      traceEvent(this, 'run', { goid, fn: c.label, dur: performance.now() - t0, ts: t0 });
    if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
      // The goroutine is suspended: hear its end through the shared GoEnd
      // handlers, bound to its G's address (see goEndOk).
      (r as Promise<unknown>).then(goEndOk.bind(g), goEndThrew.bind(g));
    } else this.finish(g, OUT_OK, r, c);
  }

  /** An async goroutine settled (goEndOk / goEndThrew): its function is loaded, by construction. */
  ended(g: number, outcome: number, value: unknown): void {
    this.finish(g, outcome, value, this.fns.get(this.i32[g + G_FN]!) as Compiled | undefined);
  }

  /** A goroutine ended: unlink it, deliver its outcome, free it. */
  private finish(g: number, outcome: number, value: unknown, c: Compiled | undefined): void {
    const { sc, p, i32 } = this;
    const world = sc.world;
    const prev = i32[g + G_PREV]!;
    const next = i32[g + G_NEXT]!;
    if (prev === 0) i32[p + P_STARTED] = next;
    else i32[prev + G_NEXT] = next;
    if (next !== 0) i32[next + G_PREV] = prev;
    i32[p + P_LIVE] = i32[p + P_LIVE]! - 1;
    i32[p + P_N_COMPLETED] = i32[p + P_N_COMPLETED]! + 1;
    Atomics.add(i32, sc.s + SC_COMPLETED, 1);
    const goid = i32[g + G_ID]!;
    const node = i32[g + G_DONE]!;
    const fi = i32[g + G_FN]!;
    freeBlock(world, g, G_CLASS);
    if (this.trace) traceEvent(this, 'end', { goid });
    if (outcome === OUT_THREW && c !== undefined) value = explainCapture(value, c);
    if (node === 0) {
      // A goroutine that fails while the runtime stops (runtime.shutdown: its
      // go()/spawn() now throw RuntimeStoppedError) is being abandoned, as
      // when Go's main returns: no panic is reported for it.
      if (outcome === OUT_THREW && sc.running) {
        const site = siteOf(sc, fi);
        parentPort!.postMessage({
          t: 'panic',
          goid,
          err: encodeError(value),
          ...(site !== undefined ? { createdBy: `${site.by} at ${site.at}` } : {}),
        } satisfies MMessage);
      }
      return;
    }
    if (outcome === OUT_OK && typeof value === 'number') {
      // A number comes back inline in the node (N_C..N_D), no value block.
      sc.f64[(node + N_C) >> 1] = value;
      i32[node + N_A] = 0;
      i32[node + N_B] = OUT_OK_NUM;
      if (Atomics.compareExchange(i32, node + N_STATE, NODE_WAITING, NODE_WOKEN) === NODE_WAITING) {
        wakeNode(world, node);
      } else freeNode(world, node);
      return;
    }
    let bytes: Uint8Array;
    if (outcome === OUT_OK) {
      try {
        bytes = structured.encode(value);
      } catch (e) {
        outcome = OUT_THREW;
        bytes = encodeError(
          new TypeError(
            `goroutine ${goid}'s result cannot be sent back to the thread that spawned it: ${(e as Error).message}`,
            { cause: e },
          ),
        );
      }
    } else bytes = encodeError(value);
    const v = storeValue(world, bytes);
    i32[node + N_A] = v;
    i32[node + N_B] = outcome;
    if (Atomics.compareExchange(i32, node + N_STATE, NODE_WAITING, NODE_WOKEN) === NODE_WAITING) {
      wakeNode(world, node);
    } else {
      // The spawner gave up (spawnWith's signal): drop the result.
      disposeValue(world, v);
      freeNode(world, node);
    }
  }

  /** gomaxprocs went down: hand back the queue, finish what was started, exit. */
  private async retire(): Promise<void> {
    const { sc, p, i32 } = this;
    sc.globput(sc.runqdrain(p));
    wakep(sc);
    while (i32[p + P_LIVE]! > 0) {
      await new Promise<void>((r) => setTimeout(r, 5));
      // Goroutines spawned meanwhile by our own goroutines went to the global queue.
    }
    clearInterval(this.keepAlive);
    parentPort!.postMessage({ t: 'retired' } satisfies MMessage);
  }

  stop(): void {
    clearInterval(this.keepAlive);
  }

  /**
   * The runtime is stopping (runtime.shutdown): tell the host, then block
   * this thread for good, so that no more JavaScript runs here - no
   * goroutine continuation, no allocation - and the host can terminate the
   * worker without killing it inside a critical section (it used to: a
   * shutdown racing an M that held the scheduler's lock left the host an
   * OwnerDiedError, seen once in a full test run). The host terminates it next.
   */
  private halt(): never {
    parentPort!.postMessage({ t: 'halted' } satisfies MMessage);
    const forever = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(forever, 0, 0);
  }
}

/**
 * The M of this thread, for the GoEnd handlers (one M per worker thread).
 */
let theM: M | undefined;

/*
 * GoEnd: how the M hears that a suspended goroutine ended. It is the one
 * object a parked goroutine costs the scheduler in this heap besides the
 * unavoidable promise reaction, so it is as small as V8 allows: a bound
 * function whose `this` is the G's address (a small integer, kept unboxed:
 * this module is strict), one per outcome. Rejected: two arrow functions
 * closing over (M, g, compiled function) - two closures plus their context,
 * ~170 B per parked goroutine against ~96 B (measured in heap snapshots of
 * 20k parked goroutines); a Map from promise to G (a hash entry each, and a
 * lookup per end).
 */
function goEndOk(this: number, v: unknown): void {
  theM!.ended(this, OUT_OK, v);
}

function goEndThrew(this: number, e: unknown): void {
  theM!.ended(this, OUT_THREW, e);
}

/** Resolves when `p` settles (its outcome is someone else's) or after `ms`, whichever comes first. */
function waitAtMost(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    p.then(done, done);
  });
}

/**
 * A number read back from a float64 slot, as an int32 when it is one (V8
 * then keeps it a small integer: integer loops over a goroutine's arguments
 * run at full speed instead of on doubles, measured 4x). -0 stays -0.
 */
function smallest(x: number): number {
  return isInt32(x) ? x | 0 : x;
}

/** Entry of an M worker (worker.ts). */
export function runM(): void {
  // esbuild's keepNames (vitest, tsx, bundlers) wraps named functions in
  // `__name(fn, "name")` calls, a helper defined at the top of the bundle; an
  // inline goroutine function shipped by source brings the call but not the
  // helper. Define it here, as esbuild does.
  if (!('__name' in globalThis)) {
    Object.defineProperty(globalThis, '__name', {
      value: (f: unknown, name: string): unknown => {
        try {
          Object.defineProperty(f, 'name', { value: name, configurable: true });
        } catch {
          // not a function or a frozen one: the name is cosmetic
        }
        return f;
      },
      configurable: true,
      writable: true,
    });
  }
  const data = workerData as MData;
  const world = adoptWorld(data.world);
  const sc = new Sched(world, data.sched);
  const m = new M(sc, data.index);
  theM = m;
  const r = role();
  r.sc = sc;
  r.m = m;
  if (sc.get(SC_TRACE) === 1) m.trace = [];
  parentPort!.on('message', (msg: { t: string }) => {
    // start() may have begun recording already (SC_TRACE): keep its events.
    if (msg.t === 'trace-start') m.trace ??= [];
    else if (msg.t === 'trace-stop') {
      parentPort!.postMessage({ t: 'trace', events: m.trace ?? [] } satisfies MMessage);
      m.trace = undefined;
    }
  });
  parentPort!.unref();
  m.run().then(
    () => m.stop(),
    (e: unknown) => {
      m.stop();
      throw e;
    },
  );
}

/**
 * The host: the thread that started the runtime (usually main). It creates
 * the scheduler block and one worker thread (M) per P, resizes (gomaxprocs),
 * watches the Ms (sysmon: heartbeats, deaths), and stops everything
 * (`runtime.shutdown`). It is never on a hot path: goroutines are spawned,
 * stolen, run and completed through shared memory without it.
 *
 * Faults: when an M's thread exits unexpectedly (process.exit in a goroutine,
 * out of memory, terminate), the host takes the Gs it had not started back to
 * the global queue, fails the ones it had started (spawn rejects with
 * WorkerDiedError; a lost `go` goroutine is reported with a process warning),
 * and starts a new worker for the same P.
 *
 * A worker that dies before its M registered (P_M still 0) failed to start
 * (a bad execArgv, a module that does not load). It is retried after a pause
 * (START_RETRY_MS, a package being rebuilt); after START_TRIES failures in a
 * row the runtime stops itself: its goroutines end with OUT_NOSTART (spawn
 * rejects with WorkerDiedError naming the cause) and a warning says why.
 * Restarting at once, forever, was the old behaviour: a hot loop of worker
 * starts, and every spawn hung.
 *
 * Workers get the host's execArgv less the flags that only concern the main
 * script (workerExecArgv): under `node --input-type=module -e ...` an
 * inherited --input-type makes every worker fail to load its file.
 *
 * Panics (an error escaping a `go` goroutine) arrive as a message from the M
 * and are thrown here as an uncaught PanicError.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { PanicError, RuntimeStoppedError, WorkerDiedError } from '../errors.js';
import { freeBlock, freeNode } from '../internal/heap.js';
import { wakeNode } from '../internal/park.js';
import { storeValue, takeValue } from '../internal/values.js';
import { defaultWorld } from '../internal/worlds.js';
import { H_SCHED, NODE_WAITING, NODE_WOKEN, N_A, N_B, N_D, N_STATE } from '../internal/world.js';
import type { MData, MMessage } from './m.js';
import { role } from './role.js';
import {
  G_CLASS,
  G_DONE,
  G_NEXT,
  gStarted,
  MAX_P,
  OUT_LOST,
  OUT_NOSTART,
  OUT_STOPPED,
  P_ACTIVE,
  P_CURG,
  P_HEARTBEAT,
  P_IDLE,
  P_LIVE,
  P_M,
  P_RETIRING,
  P_SPINNING,
  P_STARTED,
  P_STATUS,
  P_STUCK,
  P_UNUSED,
  P_WORDS,
  SC_LOST,
  SC_DROPPED,
  SC_NMSPINNING,
  SC_NP,
  SC_NPIDLE,
  SC_NPREC,
  SC_STATE,
  SC_TRACE,
  STATE_STOPPING,
  Sched,
  disposeArgs,
} from './sched.js';
import { decodeError, encodeError } from '../internal/wire.js';
import { IDLE_PARKED, notifyP, wakep } from './wakep.js';
import { HOST_TID, trackNames, type Trace, type TraceEvent } from './trace.js';

const MONITOR_MS = 10;
/** How long runtime.shutdown() waits for each M to halt before it terminates it anyway. */
const HALT_MS = 250;
/** Worker start failures in a row (per P) after which the runtime gives up. */
const START_TRIES = 3;
/** Pause before restarting a worker that failed to start, times the failures so far. */
const START_RETRY_MS = 100;

function workerUrl(): URL {
  return new URL(
    import.meta.url.endsWith('.cjs') ? './worker.cjs' : './worker.js',
    import.meta.url,
  );
}

/**
 * Flags of process.execArgv that `new Worker` refused (ERR_WORKER_INVALID_EXEC_ARGV:
 * V8 options such as --expose-gc and process-wide ones such as --title; they
 * apply to the whole process anyway).
 */
const refusedFlags = new Set<string>();

/**
 * process.execArgv less the flags about the main script itself, which a
 * worker started from a file must not inherit: `--input-type` (a worker then
 * fails with ERR_INPUT_TYPE_NOT_ALLOWED) and `-e` / `-p` with their code; and
 * less the flags a Worker refused (refusedFlags).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    // A flag with its value as the next argument: skip both.
    if (/^(--input-type|-e|--eval|-p|--print|-pe)$/.test(a)) k++;
    else if (!/^--(input-type|eval|print)=/.test(a) && !refusedFlags.has(a.split('=')[0]!)) {
      out.push(a);
    }
  }
  return out;
}

function envProcs(): number | undefined {
  const raw = process.env.GOMAXPROCS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`GOMAXPROCS must be a positive integer; got ${JSON.stringify(raw)}`);
  }
  return Math.min(n, MAX_P);
}

function envHeapMb(): number | undefined {
  const raw = process.env.GOCSP_WORKER_HEAP_MB;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 16) {
    throw new RangeError(
      `GOCSP_WORKER_HEAP_MB is each worker's old-generation heap limit in MiB (an integer >= 16); got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/** gomaxprocs before the runtime starts: the value it will start with. */
let pendingProcs: number | undefined;

export function defaultProcs(): number {
  return pendingProcs ?? envProcs() ?? Math.min(availableParallelism(), MAX_P);
}

export function setPendingProcs(n: number): void {
  pendingProcs = n;
}

export class Host {
  readonly sc: Sched;
  private readonly workers = new Map<number, Worker>();
  private readonly lastError = new Map<number, Error>();
  private readonly heartbeats = new Map<number, number>();
  /** Per P: workers in a row that died before their M registered. */
  private readonly startFailures = new Map<number, number>();
  private readonly monitor: ReturnType<typeof setInterval>;
  private stopping = false;
  private traceParts: TraceEvent[][] | undefined;
  private traceWaiters = new Map<number, (events: unknown[]) => void>();
  /** Per P, while stopping: resolves when its M halted (m.ts halt) or its worker exited. */
  private haltWaiters = new Map<number, () => void>();
  trace: unknown[] | undefined;
  readonly index = HOST_TID;

  private constructor(sc: Sched) {
    this.sc = sc;
    this.monitor = setInterval(() => this.sysmon(), MONITOR_MS);
    this.monitor.unref();
  }

  /** Starts the runtime in this thread's default world (the first `go`). */
  static start(): Host {
    // Settings first: a bad GOMAXPROCS / GOCSP_WORKER_HEAP_MB throws here,
    // before a scheduler without Ps is published.
    const np = defaultProcs();
    envHeapMb();
    const world = defaultWorld();
    const sc = Sched.create(world, world.token);
    if (Atomics.compareExchange(world.i32, H_SCHED, 0, sc.s) !== 0) {
      sc.free();
      throw new Error('internal: a gocsp runtime already runs in this world');
    }
    const host = new Host(sc);
    const r = role();
    r.sc = sc;
    r.host = host;
    pendingProcs = undefined;
    for (let i = 0; i < np; i++) host.addP();
    Atomics.store(sc.i32, sc.s + SC_NP, np);
    return host;
  }

  /** Claims an unused P record and starts its M. */
  private addP(): number {
    const { sc } = this;
    const i32 = sc.i32;
    for (let i = 0; i < MAX_P; i++) {
      const p = sc.p(i);
      if (Atomics.load(i32, p + P_STATUS) !== P_UNUSED || this.workers.has(i)) continue;
      i32.fill(0, p, p + P_WORDS);
      Atomics.store(i32, p + P_STATUS, P_ACTIVE);
      if (i + 1 > sc.get(SC_NPREC)) Atomics.store(i32, sc.s + SC_NPREC, i + 1);
      this.startWorker(i);
      return i;
    }
    throw new RangeError(`gomaxprocs: at most ${MAX_P} Ps`);
  }

  private startWorker(i: number): void {
    const heap = envHeapMb();
    const data: MData = { world: this.sc.world.sab, sched: this.sc.s, index: i };
    const w = Host.newWorkerImpl(data, heap);
    this.workers.set(i, w);
    w.on('message', (m: MMessage) => this.onMessage(i, m));
    w.on('error', (e) => this.lastError.set(i, e));
    w.on('exit', (code) => this.onExit(i, w, code));
    // After the listeners: adding a 'message' listener refs the worker's port
    // again (Node's setupPortReferencing), and a ref'd port keeps the process
    // alive after main is done.
    w.unref();
    if (this.traceParts !== undefined) w.postMessage({ t: 'trace-start' });
  }

  /**
   * Starts an M's worker thread. A flag of the host's execArgv that Worker
   * refuses is dropped and the start retried (the refusal names the flags).
   */
  private static newWorkerImpl(data: MData, heap: number | undefined): Worker {
    for (;;) {
      try {
        return new Worker(workerUrl(), {
          workerData: data,
          execArgv: workerExecArgv(),
          ...(heap !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: heap } } : {}),
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const flags =
          err.code === 'ERR_WORKER_INVALID_EXEC_ARGV' ? err.message.match(/--?[\w-]+/g) : null;
        const fresh = (flags ?? []).filter((f) => !refusedFlags.has(f));
        if (fresh.length === 0) throw e;
        for (const f of fresh) refusedFlags.add(f);
      }
    }
  }

  private onMessage(i: number, m: MMessage): void {
    if (m.t === 'panic') {
      const err = decodeError(m.err);
      const panic = new PanicError(m.goid, err, m.createdBy);
      // Re-thrown outside any gocsp frame: Node's uncaught-exception handling applies.
      setImmediate(() => {
        throw panic;
      });
    } else if (m.t === 'retired') {
      void this.workers.get(i)?.terminate();
    } else if (m.t === 'trace') {
      this.traceWaiters.get(i)?.(m.events);
    } else if (m.t === 'halted') {
      this.haltWaiters.get(i)?.();
    }
  }

  private onExit(i: number, w: Worker, code: number): void {
    if (this.workers.get(i) !== w) return;
    this.workers.delete(i);
    this.traceWaiters.get(i)?.([]);
    this.haltWaiters.get(i)?.();
    if (this.stopping) return;
    const { sc } = this;
    const p = sc.p(i);
    const status = Atomics.load(sc.i32, p + P_STATUS);
    const err = this.lastError.get(i);
    this.lastError.delete(i);
    const started = Atomics.load(sc.i32, p + P_M) !== 0;
    this.reap(i, OUT_LOST, code, err);
    if (status === P_RETIRING) {
      Atomics.store(sc.i32, p + P_STATUS, P_UNUSED);
      return;
    }
    // Replace the worker; the P keeps its index.
    const i32 = sc.i32;
    for (const off of [P_M, P_LIVE, P_STARTED, P_IDLE, P_SPINNING, P_STUCK, P_CURG]) {
      Atomics.store(i32, p + off, 0);
    }
    if (started) {
      this.startFailures.delete(i);
      this.startWorker(i);
      wakep(sc);
      return;
    }
    // It never ran its M: it failed to start (see the header).
    const fails = (this.startFailures.get(i) ?? 0) + 1;
    this.startFailures.set(i, fails);
    const why = err ?? new Error(`it exited with code ${code}`);
    if (fails >= START_TRIES) {
      const cause = new WorkerDiedError(
        `the worker thread of P${i} failed to start ${fails} times in a row: ${why.message}`,
        { cause: why },
      );
      process.emitWarning(
        `gocsp: the goroutine runtime stopped: ${cause.message}. Its goroutines were abandoned (spawn rejects with WorkerDiedError); the next go()/spawn() starts it again.`,
        { type: 'WorkerDiedWarning', code: 'GOCSP_WORKER_START_FAILED' },
      );
      void this.stop(OUT_NOSTART, cause);
      return;
    }
    setTimeout(() => {
      if (this.stopping || this.workers.has(i)) return;
      this.startWorker(i);
      wakep(sc);
    }, START_RETRY_MS * fails).unref();
  }

  /**
   * The M of P `i` is gone: requeue (or, when stopping, fail) the Gs it had
   * not started, and fail those it had.
   */
  private reap(i: number, outcome: number, code: number, cause: Error | undefined): void {
    const { sc } = this;
    const i32 = sc.i32;
    const p = sc.p(i);
    if (Atomics.exchange(i32, p + P_IDLE, 0) === IDLE_PARKED) Atomics.sub(i32, sc.s + SC_NPIDLE, 1);
    if (Atomics.exchange(i32, p + P_SPINNING, 0) === 1) Atomics.sub(i32, sc.s + SC_NMSPINNING, 1);
    const queued = sc.runqdrain(p);
    if (outcome === OUT_STOPPED) for (const g of queued) this.failG(g, outcome, code, undefined);
    else sc.globput(queued);
    let lostGo = 0;
    let g = i32[p + P_STARTED]!;
    i32[p + P_STARTED] = 0;
    const why =
      outcome === OUT_STOPPED
        ? undefined
        : (cause ?? new Error(`worker thread of P${i} exited with code ${code}`));
    while (g !== 0) {
      const next = i32[g + G_NEXT]!;
      if (i32[g + G_DONE] === 0) lostGo++;
      this.failG(g, outcome, code, why);
      g = next;
    }
    i32[p + P_LIVE] = 0;
    // Only a death is worth a warning: runtime.shutdown() (OUT_STOPPED)
    // abandons unfinished goroutines on purpose, as Go's main returning does,
    // and its workers did not "die" nor get replaced.
    if (lostGo > 0 && outcome === OUT_LOST) {
      process.emitWarning(
        `gocsp: the worker thread of P${i} died (exit code ${code}${why ? `: ${why.message}` : ''}); ${lostGo} goroutine(s) started with go() were lost. The runtime started a new worker; other goroutines go on.`,
        { type: 'WorkerDiedWarning', code: 'GOCSP_WORKER_DIED' },
      );
    }
  }

  /** Ends G `g` without running it to completion: its spawner gets `outcome`. */
  private failG(g: number, outcome: number, code: number, cause: Error | undefined): void {
    const { sc } = this;
    const world = sc.world;
    const i32 = sc.i32;
    const node = i32[g + G_DONE]!;
    if (!gStarted(i32, g)) {
      disposeArgs(sc, g);
    }
    freeBlock(world, g, G_CLASS);
    Atomics.add(i32, sc.s + (outcome === OUT_LOST ? SC_LOST : SC_DROPPED), 1);
    if (node === 0) return;
    i32[node + N_A] = cause ? storeValue(world, encodeError(cause)) : 0;
    i32[node + N_B] = outcome;
    i32[node + N_D] = code;
    if (Atomics.compareExchange(i32, node + N_STATE, NODE_WAITING, NODE_WOKEN) === NODE_WAITING) {
      wakeNode(world, node);
    } else {
      if (i32[node + N_A] !== 0) takeValue(world, i32[node + N_A]!);
      freeNode(world, node);
    }
  }

  /** Sysmon: a P whose heartbeat stopped while Gs wait in its queue lets thieves take runnext. */
  private sysmon(): void {
    const { sc } = this;
    const i32 = sc.i32;
    for (const i of sc.pindexes()) {
      const p = sc.p(i);
      const hb = Atomics.load(i32, p + P_HEARTBEAT);
      const last = this.heartbeats.get(i);
      this.heartbeats.set(i, hb);
      const stuck = hb === last && Atomics.load(i32, p + P_IDLE) === 0 && sc.runqlen(p) > 0;
      if (stuck) {
        if (Atomics.exchange(i32, p + P_STUCK, 1) === 0) wakep(sc);
      } else if (Atomics.load(i32, p + P_STUCK) === 1) Atomics.store(i32, p + P_STUCK, 0);
    }
    if (sc.get(SC_NPIDLE) > 0 && sc.anyRunnable() && sc.get(SC_NMSPINNING) === 0) wakep(sc);
  }

  get np(): number {
    return this.sc.get(SC_NP);
  }

  /** Live resize (gomaxprocs). */
  resize(n: number): void {
    const { sc } = this;
    const i32 = sc.i32;
    const active = sc.pindexes().filter((i) => Atomics.load(i32, sc.p(i) + P_STATUS) === P_ACTIVE);
    if (n > active.length) {
      for (let k = active.length; k < n; k++) this.addP();
    } else if (n < active.length) {
      for (const i of active.slice(n).reverse()) {
        const p = sc.p(i);
        Atomics.store(i32, p + P_STATUS, P_RETIRING);
        if (Atomics.compareExchange(i32, p + P_IDLE, IDLE_PARKED, 0) === IDLE_PARKED) {
          Atomics.sub(i32, sc.s + SC_NPIDLE, 1);
        }
        notifyP(sc, p);
      }
    }
    Atomics.store(i32, sc.s + SC_NP, n);
    wakep(sc);
  }

  /** Stops every M; Gs not finished are abandoned (their spawns reject). */
  shutdown(): Promise<void> {
    return this.stop(OUT_STOPPED, undefined);
  }

  /** Stops every M; Gs not finished end with `outcome` (STOPPED, or NOSTART with its cause). */
  private async stop(outcome: number, cause: Error | undefined): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { sc } = this;
    clearInterval(this.monitor);
    Atomics.store(sc.i32, sc.s + SC_STATE, STATE_STOPPING);
    const ws = [...this.workers.entries()];
    // Each M halts at the top of its loop, holding no lock (m.ts halt); only
    // then is it terminated. An M that does not halt within HALT_MS is running
    // a goroutine's synchronous code, outside the runtime's critical sections.
    await Promise.all(
      ws.map(
        ([i]) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, HALT_MS);
            this.haltWaiters.set(i, () => {
              clearTimeout(timer);
              resolve();
            });
            notifyP(sc, sc.p(i));
          }),
      ),
    );
    this.haltWaiters.clear();
    await Promise.all(ws.map(([, w]) => w.terminate()));
    for (const [i] of ws) this.reap(i, outcome, 0, cause);
    for (const i of sc.pindexes()) Atomics.store(sc.i32, sc.p(i) + P_STATUS, P_UNUSED);
    for (const g of sc.globdrain()) this.failG(g, outcome, 0, cause);
    this.workers.clear();
    // Detach: the next `go` starts a fresh runtime. The old block stays
    // allocated: a thread that cached its address must find STOPPING there.
    Atomics.compareExchange(sc.world.i32, H_SCHED, sc.s, 0);
    const r = role();
    if (r.host === this) {
      r.host = undefined;
      r.sc = undefined;
    }
  }

  /** Starts recording a trace on every M and on this thread. */
  startTrace(): void {
    this.traceParts = [];
    this.trace = [];
    Atomics.store(this.sc.i32, this.sc.s + SC_TRACE, 1);
    for (const w of this.workers.values()) w.postMessage({ t: 'trace-start' });
  }

  /** Stops recording and collects every thread's events. */
  async stopTrace(): Promise<Trace> {
    Atomics.store(this.sc.i32, this.sc.s + SC_TRACE, 0);
    // The workers are unref'd: hold the process while their events arrive.
    const hold = setInterval(() => {}, 1 << 30);
    const parts = await Promise.all(
      [...this.workers.entries()].map(
        ([i, w]) =>
          new Promise<unknown[]>((resolve) => {
            this.traceWaiters.set(i, (ev) => {
              this.traceWaiters.delete(i);
              resolve(ev);
            });
            w.postMessage({ t: 'trace-stop' });
          }),
      ),
    );
    clearInterval(hold);
    const events = [
      ...trackNames([...this.workers.keys()]),
      ...((this.trace ?? []) as TraceEvent[]),
    ];
    for (const part of parts) events.push(...(part as TraceEvent[]));
    this.trace = undefined;
    this.traceParts = undefined;
    events.sort((a, b) => a.ts - b.ts);
    return { traceEvents: events, displayTimeUnit: 'ms' };
  }
}

/** The error a spawner sees for outcome LOST / STOPPED. */
export function lostError(outcome: number, goid: number, code: number, cause: unknown): Error {
  if (outcome === OUT_STOPPED) {
    return new RuntimeStoppedError(
      `goroutine ${goid} did not finish: runtime.shutdown() stopped the runtime`,
    );
  }
  if (outcome === OUT_NOSTART) {
    return new WorkerDiedError(
      `goroutine ${goid} was abandoned: the runtime stopped because it could not start its worker threads${cause instanceof Error ? ` (${cause.message})` : ''}; the next go()/spawn() starts it again`,
      cause === undefined ? undefined : { cause },
    );
  }
  return new WorkerDiedError(
    `goroutine ${goid} was lost: its worker thread died (exit code ${code})${cause instanceof Error ? `: ${cause.message}` : ''}. The runtime replaced the worker; retry the work if it is safe to`,
    cause === undefined ? undefined : { cause },
  );
}

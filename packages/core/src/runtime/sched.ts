/**
 * The scheduler's shared state: one block in the world heap (its address in
 * the world header's H_SCHED) holding the global run queue, the P records with
 * their local run queues, counters, and the function table. Everything here is
 * read and written by every thread of the runtime: the host (the thread that
 * started it, usually main), the Ms (one worker thread per P), and any other
 * thread that calls `go`.
 *
 * G = an unstarted goroutine, as a block in the world heap (G layout below).
 * Only unstarted goroutines live here: once an M starts one it is a suspended
 * async function in that worker's JS heap and cannot move.
 *
 * ## Sched block (Int32 words from its address s)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | SC_LOCK | internal lock (ilock) | itself |
 * | 1, 2 | SC_GQ_HEAD, SC_GQ_TAIL | global run queue: Gs linked by G_LINK, 0 = empty | SC_LOCK |
 * | 3 | SC_GQ_SIZE | Gs in the global queue | written under SC_LOCK, read racily as a hint |
 * | 4 | SC_NP | active Ps (gomaxprocs) | host only |
 * | 5 | SC_NPIDLE | active Ps whose M is parked idle | atomic |
 * | 6 | SC_NMSPINNING | Ms spinning for work (Go's nmspinning) | atomic |
 * | 7 | SC_DROPPED | goroutines that ended without running to completion and not lost: cancelled before they started, abandoned by shutdown | atomic |
 * | 8 | SC_GOID | last goroutine id handed out; starts at 1, the main thread's id (Go's goroutine 1), so the first go() is goroutine 2 | atomic |
 * | 9 | (unused) | | |
 * | 10 | SC_COMPLETED | goroutines that finished (returned or threw) | atomic |
 * | 11 | SC_STATE | RUNNING / STOPPING | host |
 * | 12 | SC_FUNCS | entries used in the function table | SC_LOCK (append), atomic read |
 * | 13 | (unused) | | |
 * | 14 | SC_TRACE | 1 while a trace is being recorded | host |
 * | 15 | SC_HOST | token of the host thread | immutable |
 * | 16 | SC_PROBE | deadlock probe epoch, answered in each P's P_ACK | host |
 * | 17 | SC_NPREC | P records ever used (scan bound) | host |
 * | 18 | SC_LOST | goroutines lost with a dead worker | atomic |
 * | 32..95 | SC_FUNC_DIR | function table: 64 chunk addresses of 1024 entries each | SC_LOCK |
 * | 128.. | P records | MAX_P x P_WORDS | see below |
 *
 * ## P record (P_WORDS words from p = s + P_BASE + i * P_WORDS)
 *
 * | off | name | meaning | written by |
 * | --- | --- | --- | --- |
 * | 0 | P_STATUS | UNUSED / ACTIVE / RETIRING | host |
 * | 1 | P_M | token of the M's thread, 0 until it registered | the M |
 * | 2 | P_HEAD | run queue head (consumers CAS it: the owner and thieves) | CAS |
 * | 3 | P_TAIL | run queue tail | the owner M only (store-release) |
 * | 4 | P_RUNNEXT | G to run next (Go's runnext), 0 = none | owner (exchange), thieves of a stuck P (CAS) |
 * | 5 | P_HEARTBEAT | bumped by the M every scheduling round | the M |
 * | 6 | P_WAKE | futex word the idle M waits on (Atomics.waitAsync) | wakers add 1 |
 * | 7 | P_LIVE | goroutines started on this M and not finished | the M |
 * | 8 | P_STARTED | first G of the list of started Gs (G_PREV/G_NEXT) | the M; the host after the M died |
 * | 9 | P_ACK | last deadlock probe answered | the M |
 * | 10 | P_FOREIGN | pending non-gocsp resources of the M's thread at the answer | the M |
 * | 11 | P_IDLE | 1 while the M is parked idle (counted in SC_NPIDLE) | the M sets; a waker CASes 1 -> 0 |
 * | 12 | P_STUCK | 1 while the monitor sees the M stuck in one goroutine | host |
 * | 13 | P_SPINNING | 1 while the M holds one count of SC_NMSPINNING | the M |
 * | 14 | P_CURG | id of the goroutine whose synchronous part the M is running, 0 = none (a goroutine dump's 'running' when the M is too busy to answer: runtime/diag.ts) | the M |
 * | 16..23 | P_N_* | per-P counters: spawned, started, completed, steals, stolen, parks, spins, global | the M (stolen: thieves, atomic) |
 * | 64..319 | P_RING | local run queue: ring of RUNQ_SIZE G addresses | owner writes at tail; readers CAS head |
 *
 * ## G block (class 0, 8 words: 32 bytes)
 *
 * A parked goroutine costs its G block for as long as it lives, so the block
 * is the smallest class and words are reused between the two phases of a G's
 * life: queued (in a run queue, arguments held) and started (in its M's
 * started list, arguments consumed).
 *
 * | off | name | queued | started |
 * | --- | --- | --- | --- |
 * | 0 | G_LINK / G_PREV | next G in the global run queue | previous G in its M's started list (P_STARTED) |
 * | 1 | G_ID | goroutine id | same |
 * | 2 | G_FN | function table index | same |
 * | 3 | G_DONE | completion node (spawn), 0 for `go` | same |
 * | 4 | G_META | bits 8..9: inline arguments (n), bits 10..13: their kinds (2 bits each, ARG_*) | bit 0 G_RUNNING, bits 1..7 index of the P that started it (read racily by a dump: set once, atomically) |
 * | 5 | G_ARGS / G_NEXT | value block of the encoded argument array, 0 = none or inline | next G in the started list |
 * | 6, 7 | G_INLINE | inline arguments: two 1-word ones (an int32, or a shared object's address with one in-flight reference held), or a single float64 | (unused) |
 *
 * Arguments go inline when there are none, one (a number or a shared
 * object), or two that each fit a word (int32s, shared objects): go(worker,
 * wg, id), go(parker, ch, wg), spawn(fn, i). Anything else goes in a value
 * block. The M reads G_ARGS and G_META before it links the G into its
 * started list (which overwrites them). The creator's goroutine id is not
 * kept: a dump's "created by" comes from the function table (funcs.ts), and
 * nothing read it.
 *
 * Rejected: one 16-word block holding every field separately (64 bytes per
 * goroutine for the whole of its life, 32 of them dead once it started).
 *
 * Completion node (a world node, owned by the spawner): N_A = value block of
 * the encoded result or error, N_B = outcome (OK, OK_NUM, THREW, LOST,
 * STOPPED, NOSTART; OK_NUM: a number result held as float64 in N_C..N_D;
 * NOSTART: the runtime stopped itself because its workers could not start, N_A
 * holds the cause), N_C = goroutine id, N_D = worker exit code (LOST). N_STATE goes WAITING -> WOKEN
 * (the M or the host, CAS) or CANCELLED (the spawner's abort or a deadlock,
 * CAS); whoever loses the CAS frees the node and drops the result. The
 * spawner never touches the G (it may be freed at any time): an M that
 * finds the node CANCELLED before starting the G drops it unrun.
 *
 * ## Invariants
 * - Goroutines alive = SC_GOID - 1 - SC_COMPLETED - SC_LOST - SC_DROPPED (no
 *   counter of live ones: spawn and finish touch one shared word each).
 * - A G is in exactly one place: the global queue, one P's ring or runnext,
 *   or (started) its P's started list; it is freed when it finishes.
 * - The run queue ring is Go's lock-free single-producer / multi-consumer
 *   queue: only the owner M writes P_TAIL and the ring slots at the tail;
 *   every consumer claims entries by CAS on P_HEAD, after reading them.
 * - Lost-wakeup freedom for idle Ms: an M sets P_IDLE and bumps SC_NPIDLE,
 *   then re-checks every queue before it waits; a producer publishes its G,
 *   then reads SC_NPIDLE. Sequential consistency means one of them sees the other.
 * - Lock order: SC_LOCK, then the heap lock (allocations inside it).
 */
import { ilock, iunlock } from '../internal/ilock.js';
import { allocBlock, freeBlock } from '../internal/heap.js';
import type { World } from '../internal/world.js';
import { structured } from '../codec.js';
import { takeValue } from '../internal/values.js';
import { release } from '../internal/object.js';

export const SC_LOCK = 0;
export const SC_GQ_HEAD = 1;
export const SC_GQ_TAIL = 2;
export const SC_GQ_SIZE = 3;
export const SC_NP = 4;
export const SC_NPIDLE = 5;
export const SC_NMSPINNING = 6;
export const SC_DROPPED = 7;
export const SC_GOID = 8;
/** SC_GOID's first value: ids up to it are taken (1 = the main thread, as in Go). */
export const GOID_BASE = 1;
export const SC_COMPLETED = 10;
export const SC_STATE = 11;
export const SC_FUNCS = 12;
export const SC_TRACE = 14;
export const SC_HOST = 15;
export const SC_PROBE = 16;
export const SC_NPREC = 17;
export const SC_LOST = 18;
export const SC_FUNC_DIR = 32;
export const FUNC_CHUNKS = 64;
export const FUNC_CHUNK = 1024;
export const P_BASE = 128;

export const STATE_RUNNING = 1;
export const STATE_STOPPING = 2;

export const MAX_P = 64;
export const P_WORDS = 320;
export const P_STATUS = 0;
export const P_M = 1;
export const P_HEAD = 2;
export const P_TAIL = 3;
export const P_RUNNEXT = 4;
export const P_HEARTBEAT = 5;
export const P_WAKE = 6;
export const P_LIVE = 7;
export const P_STARTED = 8;
export const P_ACK = 9;
export const P_FOREIGN = 10;
export const P_IDLE = 11;
export const P_STUCK = 12;
export const P_SPINNING = 13;
export const P_CURG = 14;
export const P_N_SPAWNED = 16;
export const P_N_STARTED = 17;
export const P_N_COMPLETED = 18;
export const P_N_STEALS = 19;
export const P_N_STOLEN = 20;
export const P_N_PARKS = 21;
export const P_N_SPINS = 22;
export const P_N_GLOBAL = 23;
export const P_RING = 64;
export const RUNQ_SIZE = 256;
const RUNQ_MASK = RUNQ_SIZE - 1;

export const P_UNUSED = 0;
export const P_ACTIVE = 1;
export const P_RETIRING = 2;

export const G_LINK = 0;
export const G_PREV = 0;
export const G_ID = 1;
export const G_FN = 2;
export const G_DONE = 3;
export const G_META = 4;
export const G_ARGS = 5;
export const G_NEXT = 5;
/** Word of the inline arguments (8-byte aligned: blocks start at even words). */
export const G_INLINE = 6;
export const G_INLINE_MAX = 2;
export const G_CLASS = 0;
/** Inline argument kinds (G_META bits 10..13, 2 bits per argument). */
export const ARG_INT = 0;
export const ARG_REF = 1;
export const ARG_F64 = 2;

/**
 * True for an int32 that is not -0: what travels as ARG_INT and what a
 * float64 slot reads back as a small integer. The division runs for every
 * int, not only for 0: code that ran has type feedback, and a 0 (a spawn
 * loop's first i) would otherwise throw away its caller's optimized code.
 *
 * @example
 * ```ts
 * isInt32(5); // true; isInt32(-0), isInt32(0.5), isInt32(2 ** 31): false
 * ```
 */
export function isInt32(x: number): boolean {
  return (x | 0) === x && 1 / x !== -Infinity;
}

/** G_META of a queued G holding `n` inline arguments of kinds `kinds` (2 bits each). */
export function queuedMeta(n: number, kinds: number): number {
  return (n << 8) | (kinds << 10);
}

/** Inline arguments of a queued G (G_META). */
export function inlineArgs(meta: number): number {
  return (meta >> 8) & 3;
}

/** Kind (ARG_*) of inline argument k of a queued G (G_META). */
export function argKind(meta: number, k: number): number {
  return (meta >> (10 + 2 * k)) & 3;
}

/** True if G `g` was started (racy read: a dump's). */
export function gStarted(i32: Int32Array, g: number): boolean {
  return (Atomics.load(i32, g + G_META) & G_RUNNING) !== 0;
}

/** Index of the P that started G `g` (meaningful once gStarted). */
export function gP(i32: Int32Array, g: number): number {
  return (Atomics.load(i32, g + G_META) >> 1) & 0x7f;
}

/** Marks G `g` started by P `index` (its M, after reading the G's arguments). */
export function markStarted(i32: Int32Array, g: number, index: number): void {
  Atomics.store(i32, g + G_META, G_RUNNING | (index << 1));
}

/** G_META bit 0. */
export const G_RUNNING = 1;

export const OUT_OK = 0;
export const OUT_THREW = 1;
export const OUT_LOST = 2;
export const OUT_STOPPED = 3;
export const OUT_OK_NUM = 4;
export const OUT_NOSTART = 5;

const SCHED_WORDS = P_BASE + MAX_P * P_WORDS;
const SCHED_CLASS = 12; // 8 << 12 = 32768 words >= SCHED_WORDS
if (8 << SCHED_CLASS < SCHED_WORDS) throw new Error('sched block class too small');

/** The scheduler block of a world, seen from one thread. */
export class Sched {
  readonly world: World;
  readonly i32: Int32Array;
  readonly s: number;
  /** Float64 view of the world (inline numeric arguments and results). */
  readonly f64: Float64Array;
  /** This thread's cache: goroutine function -> function table index. */
  readonly fnIndex = new WeakMap<object, number>();

  constructor(world: World, s: number) {
    this.world = world;
    this.i32 = world.i32;
    this.s = s;
    this.f64 = new Float64Array(world.sab, 0, world.sab.byteLength >> 3);
  }

  /** Allocates and initializes a scheduler block. */
  static create(world: World, host: number): Sched {
    const s = allocBlock(world, SCHED_CLASS);
    const sc = new Sched(world, s);
    world.i32[s + SC_STATE] = STATE_RUNNING;
    world.i32[s + SC_HOST] = host;
    world.i32[s + SC_GOID] = GOID_BASE;
    return sc;
  }

  /** Frees the block (after every M is gone). */
  free(): void {
    freeBlock(this.world, this.s, SCHED_CLASS);
  }

  /** Address of P record `i`. */
  p(i: number): number {
    return this.s + P_BASE + i * P_WORDS;
  }

  get(off: number): number {
    return Atomics.load(this.i32, this.s + off);
  }

  add(off: number, d: number): number {
    return Atomics.add(this.i32, this.s + off, d);
  }

  get running(): boolean {
    return Atomics.load(this.i32, this.s + SC_STATE) === STATE_RUNNING;
  }

  // ---- local run queue (Go's runqput / runqget / runqgrab) ----

  /** Owner only. Puts g on P `p`'s queue; with `next`, in runnext (kicking the old one to the tail). */
  runqput(p: number, g: number, next: boolean): void {
    const i32 = this.i32;
    if (next) {
      const old = Atomics.exchange(i32, p + P_RUNNEXT, g);
      if (old === 0) return;
      g = old;
    }
    for (;;) {
      const h = Atomics.load(i32, p + P_HEAD);
      const t = i32[p + P_TAIL]!;
      if (((t - h) | 0) < RUNQ_SIZE) {
        i32[p + P_RING + (t & RUNQ_MASK)] = g;
        Atomics.store(i32, p + P_TAIL, (t + 1) | 0);
        return;
      }
      if (this.runqputslow(p, g, h, t)) return;
    }
  }

  /** Owner only: the ring is full; moves half of it and g to the global queue. */
  private runqputslow(p: number, g: number, h: number, t: number): boolean {
    const i32 = this.i32;
    const n = ((t - h) | 0) >> 1;
    const batch: number[] = [];
    for (let i = 0; i < n; i++) batch.push(i32[p + P_RING + ((h + i) & RUNQ_MASK)]!);
    if (Atomics.compareExchange(i32, p + P_HEAD, h, (h + n) | 0) !== h) return false;
    batch.push(g);
    this.globput(batch);
    return true;
  }

  /** Owner only. Next G of P `p` (runnext first), or 0. */
  runqget(p: number): number {
    const i32 = this.i32;
    const next = Atomics.load(i32, p + P_RUNNEXT);
    if (next !== 0 && Atomics.compareExchange(i32, p + P_RUNNEXT, next, 0) === next) return next;
    for (;;) {
      const h = Atomics.load(i32, p + P_HEAD);
      const t = i32[p + P_TAIL]!;
      if (t === h) return 0;
      const g = i32[p + P_RING + (h & RUNQ_MASK)]!;
      if (Atomics.compareExchange(i32, p + P_HEAD, h, (h + 1) | 0) === h) return g;
    }
  }

  /** Gs in P `p`'s ring plus runnext (racy snapshot). */
  runqlen(p: number): number {
    const i32 = this.i32;
    const n = (Atomics.load(i32, p + P_TAIL) - Atomics.load(i32, p + P_HEAD)) | 0;
    return Math.max(0, n) + (Atomics.load(i32, p + P_RUNNEXT) !== 0 ? 1 : 0);
  }

  /**
   * Steals half of `victim`'s ring into `p`'s ring (p's owner calls this).
   * Takes the victim's runnext too when `takeNext` (the victim is stuck).
   * Returns one stolen G to run now, or 0.
   */
  runqsteal(p: number, victim: number, takeNext: boolean): number {
    const i32 = this.i32;
    const t = i32[p + P_TAIL]!;
    let n: number;
    for (;;) {
      const h = Atomics.load(i32, victim + P_HEAD);
      const vt = Atomics.load(i32, victim + P_TAIL);
      n = (vt - h) | 0;
      n = n - (n >> 1);
      if (n <= 0) {
        if (takeNext) {
          const next = Atomics.load(i32, victim + P_RUNNEXT);
          if (next !== 0 && Atomics.compareExchange(i32, victim + P_RUNNEXT, next, 0) === next) {
            Atomics.add(i32, victim + P_N_STOLEN, 1);
            i32[p + P_N_STEALS] = i32[p + P_N_STEALS]! + 1;
            return next;
          }
        }
        return 0;
      }
      if (n > RUNQ_SIZE / 2) continue; // read h and vt at different times; retry
      for (let i = 0; i < n; i++) {
        i32[p + P_RING + ((t + i) & RUNQ_MASK)] = i32[victim + P_RING + ((h + i) & RUNQ_MASK)]!;
      }
      if (Atomics.compareExchange(i32, victim + P_HEAD, h, (h + n) | 0) === h) break;
    }
    Atomics.add(i32, victim + P_N_STOLEN, n);
    i32[p + P_N_STEALS] = i32[p + P_N_STEALS]! + n;
    n--;
    const g = i32[p + P_RING + ((t + n) & RUNQ_MASK)]!;
    if (n > 0) Atomics.store(i32, p + P_TAIL, (t + n) | 0);
    return g;
  }

  /** Takes every G out of P `p`'s queue and runnext (its owner is gone or retiring). */
  runqdrain(p: number): number[] {
    const i32 = this.i32;
    const out: number[] = [];
    const next = Atomics.exchange(i32, p + P_RUNNEXT, 0);
    if (next !== 0) out.push(next);
    for (;;) {
      const h = Atomics.load(i32, p + P_HEAD);
      const t = Atomics.load(i32, p + P_TAIL);
      const n = (t - h) | 0;
      if (n <= 0) return out;
      const batch: number[] = [];
      for (let i = 0; i < n; i++) batch.push(i32[p + P_RING + ((h + i) & RUNQ_MASK)]!);
      if (Atomics.compareExchange(i32, p + P_HEAD, h, t) === h) {
        for (const g of batch) out.push(g);
        return out;
      }
    }
  }

  // ---- global run queue ----

  lock(): void {
    ilock(this.world, this.i32, this.s + SC_LOCK);
  }

  unlock(): void {
    iunlock(this.i32, this.s + SC_LOCK);
  }

  /** Appends Gs to the global queue. */
  globput(gs: number[]): void {
    if (gs.length === 0) return;
    const i32 = this.i32;
    const s = this.s;
    for (let i = 0; i + 1 < gs.length; i++) i32[gs[i]! + G_LINK] = gs[i + 1]!;
    i32[gs[gs.length - 1]! + G_LINK] = 0;
    this.lock();
    const tail = i32[s + SC_GQ_TAIL]!;
    if (tail === 0) i32[s + SC_GQ_HEAD] = gs[0]!;
    else i32[tail + G_LINK] = gs[0]!;
    i32[s + SC_GQ_TAIL] = gs[gs.length - 1]!;
    Atomics.add(i32, s + SC_GQ_SIZE, gs.length);
    this.unlock();
  }

  /** Appends one G to the global queue. */
  globput1(g: number): void {
    const i32 = this.i32;
    const s = this.s;
    i32[g + G_LINK] = 0;
    this.lock();
    const tail = i32[s + SC_GQ_TAIL]!;
    if (tail === 0) i32[s + SC_GQ_HEAD] = g;
    else i32[tail + G_LINK] = g;
    i32[s + SC_GQ_TAIL] = g;
    Atomics.add(i32, s + SC_GQ_SIZE, 1);
    this.unlock();
  }

  /**
   * Go's globrunqget: takes a fair share of the global queue (at most `max`,
   * 0 = no limit but half a ring); returns one G to run and puts the rest on
   * P `p`'s ring (owner calls).
   */
  globget(p: number, max: number): number {
    const i32 = this.i32;
    const s = this.s;
    if (Atomics.load(i32, s + SC_GQ_SIZE) === 0) return 0;
    this.lock();
    // One way out of the lock: the queue emptied since the check above is
    // rare, and a return of its own would be code that TurboFan compiled
    // without type feedback (it throws the whole function away when taken).
    const size = i32[s + SC_GQ_SIZE]!;
    let n = Math.min(size, Math.floor(size / Math.max(1, i32[s + SC_NP]!)) + 1, RUNQ_SIZE / 2);
    if (max > 0) n = Math.min(n, max);
    let first = 0;
    if (n > 0) {
      first = i32[s + SC_GQ_HEAD]!;
      let last = first;
      for (let i = 1; i < n; i++) last = i32[last + G_LINK]!;
      const rest = i32[last + G_LINK]!;
      i32[s + SC_GQ_HEAD] = rest;
      if (rest === 0) i32[s + SC_GQ_TAIL] = 0;
      Atomics.sub(i32, s + SC_GQ_SIZE, n);
    }
    this.unlock();
    if (n === 0) return 0;
    i32[p + P_N_GLOBAL] = i32[p + P_N_GLOBAL]! + n;
    let g = i32[first + G_LINK]!;
    for (let i = 1; i < n; i++) {
      const nx = i32[g + G_LINK]!;
      this.runqput(p, g, false);
      g = nx;
    }
    return first;
  }

  /** Takes the whole global queue (shutdown). */
  globdrain(): number[] {
    const i32 = this.i32;
    const s = this.s;
    this.lock();
    let g = i32[s + SC_GQ_HEAD]!;
    i32[s + SC_GQ_HEAD] = 0;
    i32[s + SC_GQ_TAIL] = 0;
    Atomics.store(i32, s + SC_GQ_SIZE, 0);
    this.unlock();
    const out: number[] = [];
    while (g !== 0) {
      out.push(g);
      g = i32[g + G_LINK]!;
    }
    return out;
  }

  /** Indexes of P records in use (active or retiring). */
  pindexes(): number[] {
    const out: number[] = [];
    const n = Atomics.load(this.i32, this.s + SC_NPREC);
    for (let i = 0; i < n; i++) {
      if (Atomics.load(this.i32, this.p(i) + P_STATUS) !== P_UNUSED) out.push(i);
    }
    return out;
  }

  /** True if any G waits in the global queue or any P's queue. */
  anyRunnable(): boolean {
    if (this.get(SC_GQ_SIZE) > 0) return true;
    for (const i of this.pindexes()) if (this.runqlen(this.p(i)) > 0) return true;
    return false;
  }
}

/** Frees value block `v`, giving back what its encoding holds (shared references). */
export function disposeValue(world: World, v: number): void {
  const bytes = takeValue(world, v);
  try {
    structured.dispose?.(bytes);
  } catch {
    // a value that cannot be decoded holds nothing to release
  }
}

/**
 * Gives back what an unstarted G's arguments hold (its value block, or the
 * references of inline shared objects): the G will never run.
 */
export function disposeArgs(sc: Sched, g: number): void {
  const i32 = sc.i32;
  const world = sc.world;
  const a = i32[g + G_ARGS]!;
  i32[g + G_ARGS] = 0;
  if (a !== 0) {
    disposeValue(world, a);
    return;
  }
  const meta = i32[g + G_META]!;
  const n = inlineArgs(meta);
  i32[g + G_META] = 0;
  for (let k = 0; k < n; k++)
    if (argKind(meta, k) === ARG_REF) release(world, i32[g + G_INLINE + k]!);
}

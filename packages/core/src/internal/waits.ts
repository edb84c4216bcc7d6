/**
 * Wait records: what each blocked gocsp operation waits for, so that the
 * goroutine dump (runtime/diag.ts) can say `goroutine 7 [chan receive]`,
 * on what object, since when and from which line of the user's code.
 *
 * A record lives on the waiter itself: the JS object this thread's Parker
 * already holds for every parked operation (park.ts `Waiter`, `LocalWait`),
 * plus `sleep()`s, kept here. Nothing is written to shared memory on a park:
 * the dump asks each thread for its records (runtime/diag.ts, the answer
 * protocol), and the owner reads them.
 *
 * | where | meaning | written |
 * | --- | --- | --- |
 * | waiter.wr | reason (WR_*, low 6 bits) + 64 x goroutine id (0 = not known) | see below |
 * | waiter.wo | the object waited on, when it is not the waiter's `owner` | slow path |
 * | waiter[kWaitOn]() | reason and object, for waiters that know them (a prototype method) | never |
 * | samples (WeakMap) | a `Sample`: structured stack + when (ms) | sampled parks |
 *
 * How a park says why it waits, cheapest first:
 * - the waiter knows: its class has a `[kWaitOn]()` method (a channel's
 *   parked operation: its kind and channel), or the waiter literal carries
 *   `wr` (parkAsync: `ParkOptions.reason`). The park itself then writes
 *   nothing, or only the goroutine id (`wr += 64 x id`, a declared field)
 *   when it is known. This is the hot path: channel hand-offs, Mutex,
 *   WaitGroup, spawn.
 * - else the primitive calls `waitReason(reason, object)` right before the
 *   park call (the *Sync forms, select); the park copies it to the waiter.
 * - a park with no reason said is Go's bare "waiting".
 * Measured on a same-thread channel ping-pong (~0.3 us a round trip): a
 * `waitReason` call through the substrate namespace plus two properties
 * added to the waiter cost ~25%; a `[kWaitOn]` method and a declared field
 * nothing measurable.
 *
 * The goroutine: `running.g` is the id of the goroutine whose synchronous
 * part runs on this thread now (set by the M around each start). A wait
 * entered after the goroutine resumed from an `await` happens in a promise
 * job, where no cheap mechanism tells whose it is (AsyncLocalStorage costs
 * ~2.7x on a same-thread hand-off here, a V8 promise hook ~1.4x): it is
 * recorded with goroutine 0, and the dump matches it to a goroutine by the
 * goroutine function its sampled stack ends in (runtime/diag.ts).
 *
 * Sampling: a stack capture costs 1-4 us and a same-thread channel hand-off
 * ~0.3 us, so not every park can take one. Each thread has a bucket of
 * SAMPLE_BURST captures, refilled by one per SAMPLE_MS: a thread that parks
 * rarely (a deadlock, a hang) gets every park sampled; a thread parking
 * millions of times a second samples about one park per 10 ms (0.04% of a
 * core at 4 us). A sample lives as long as its wait (a few KB of V8 frames):
 * with one per millisecond, a million goroutines parked in ~3 s kept ~15 MB
 * of samples (+15 B per parked goroutine in sched-park-1m-mem); one per
 * 10 ms keeps it under 2 B. The clock is read only when a capture is taken or,
 * the bucket empty, every SAMPLE_CHECK parks - and at the first park after
 * the thread was quiet (`quiet()`: no parked waiter at the end of an event
 * loop turn, an M going idle), so the park that starts a long wait after a
 * busy phase is sampled if time has passed. `since` is known for sampled
 * waits only (a clock read per park would cost ~40 ns: 10-25% of a hand-off).
 */
import { TRACEBACK_OFF, capture } from './callsite.js';

/** Wait reasons: Go's waitReason strings (runtime/runtime2.go), index = code. */
export const WAIT_REASONS = [
  'waiting',
  'chan receive',
  'chan send',
  'select',
  'select (no cases)',
  'chan receive (nil chan)',
  'chan send (nil chan)',
  'sync.Mutex.Lock',
  'sync.RWMutex.RLock',
  'sync.RWMutex.Lock',
  'sync.WaitGroup.Wait',
  'sync.Cond.Wait',
  'semacquire',
  'sleep',
] as const;

export const WR_WAITING = 0;
export const WR_CHAN_RECV = 1;
export const WR_CHAN_SEND = 2;
export const WR_SELECT = 3;
export const WR_SELECT_NO_CASES = 4;
export const WR_CHAN_RECV_NIL = 5;
export const WR_CHAN_SEND_NIL = 6;
export const WR_MUTEX_LOCK = 7;
export const WR_RWMUTEX_RLOCK = 8;
export const WR_RWMUTEX_LOCK = 9;
export const WR_WAITGROUP_WAIT = 10;
export const WR_COND_WAIT = 11;
export const WR_SEMACQUIRE = 12;
export const WR_SLEEP = 13;

const GOID = 64;
/** `wr` of a park that is part of another one's wait (left out of the dump). */
const PART = -1;

/** False for the parks that are only part of another's wait (see `waitReason`). */
export function isWait(w: WaitNote): boolean {
  return w.wr !== PART;
}

/** A sampled wait: where it was entered (`stack`, read with callsite.framesOf) and when. */
export interface Sample {
  since: number;
}

/** The record fields a parked waiter carries (see the file header). */
export interface WaitNote {
  wr?: number;
  wo?: unknown;
  /** The object the waiter keeps reachable (park.ts Waiter.owner): the object waited on by default. */
  owner?: object;
  /** Reason and object, for a waiter that knows them (see the file header). */
  [kWaitOn]?(): [reason: number, object: unknown];
}

/**
 * A waiter class that knows what it waits for implements this method on its
 * prototype (nothing is written per park): `[reason, object]`.
 */
export const kWaitOn: unique symbol = Symbol.for('gocsp.waitOn') as never;

/** Sampled waits' stacks, by waiter (only sampled parks pay for a map entry). */
const samples = new WeakMap<WaitNote, Sample>();

/** The stack sample of a wait, if it was sampled. */
export function sampleOf(w: WaitNote): Sample | undefined {
  return samples.get(w);
}

/** The object a wait is on. */
export function objectOf(w: WaitNote): unknown {
  if (w.wo !== undefined) return w.wo;
  const on = w[kWaitOn];
  return on !== undefined && (w.wr ?? 0) % GOID === 0 ? on.call(w)[1] : w.owner;
}

/**
 * A shared object (or anything a primitive passes as the object waited on)
 * describes itself in a dump through this method: 'chan 12 (cap 0, len 0)',
 * 'Mutex 7'. Must not block or change the object.
 */
export const kDescribe: unique symbol = Symbol.for('gocsp.describe') as never;

/** Id of the goroutine whose synchronous part runs on this thread now (0 = none or not known). */
export const running = { g: 0 };

let pendingReason = WR_WAITING;
let pendingObj: unknown;
let pendingSample: Sample | undefined;
let pendingCarry = false;
/** Parks still to come that belong to the wait just recorded (a select's other cases). */
let pendingParts = 0;

/**
 * Says why the next park of this thread waits, and on what (the park call
 * must follow at once, on the same path). `parks`: how many parks make up
 * this one wait (a select parks one node per case): the first carries the
 * record, the others are left out of the dump.
 *
 * @example
 * ```ts
 * substrate.waitReason(substrate.WR_CHAN_RECV, this);
 * substrate.parkSync(world, queue, LOCK, node);
 * ```
 */
export function waitReason(reason: number, obj: unknown, parks = 1): void {
  pendingReason = reason;
  pendingObj = obj;
  pendingParts = parks - 1;
}

/**
 * A wait moves to another waiter object (a local channel's parked operation
 * becoming a shared one): the next park keeps `from`'s record, with `obj`
 * as the object waited on.
 *
 * @example
 * ```ts
 * substrate.carryWait(localOp, channel);
 * parker.park(node, sharedOp);
 * ```
 */
export function carryWait(from: object, obj: unknown): void {
  const note = from as WaitNote;
  pendingReason = note.wr ?? WR_WAITING;
  pendingObj = obj;
  pendingSample = samples.get(note);
  pendingCarry = true;
}

/** Records the pending reason on a waiter that is parking now (park.ts calls this). */
export function noteWait(w: WaitNote): void {
  if (pendingReason === WR_WAITING && pendingParts === 0 && !pendingCarry) {
    // The hot path: the waiter knows its reason (kWaitOn, or wr already set).
    const g = running.g;
    if (g !== 0) w.wr = (w.wr ?? 0) + g * GOID;
    if (tokens === 0 && countdown > 1) countdown--;
    else {
      const s = sample();
      if (s !== undefined) samples.set(w, s);
    }
    return;
  }
  if (pendingParts > 0 && pendingReason === WR_WAITING && !pendingCarry) {
    pendingParts--;
    w.wr = PART;
    return;
  }
  const r = pendingReason;
  let s: Sample | undefined;
  if (pendingCarry) {
    // carried over: goroutine and sample come with it
    w.wr = r;
    s = pendingSample;
    pendingSample = undefined;
    pendingCarry = false;
  } else {
    w.wr = r + running.g * GOID;
    s = sample();
  }
  if (s !== undefined) samples.set(w, s);
  const o = pendingObj;
  if (o !== undefined && o !== w.owner) w.wo = o;
  pendingReason = WR_WAITING;
  pendingObj = undefined;
}

/** Reason code of a record. */
export function reasonOf(w: WaitNote): number {
  const r = (w.wr ?? 0) % GOID;
  const on = w[kWaitOn];
  return r === WR_WAITING && on !== undefined ? on.call(w)[0] : r;
}

/** Goroutine id of a record (0 = not known). */
export function goidOf(w: WaitNote): number {
  return Math.floor((w.wr ?? 0) / GOID);
}

const SAMPLE_BURST = 32;
const SAMPLE_MS = 10;
const SAMPLE_CHECK = 64;
let tokens = TRACEBACK_OFF ? 0 : SAMPLE_BURST;
let countdown = TRACEBACK_OFF ? Infinity : SAMPLE_CHECK;
/** When the bucket last gained tokens (ms, this thread's clock). */
let filled = 0;

/** A stack sample for the wait being entered, if this thread has a token left. */
function sample(): Sample | undefined {
  if (tokens > 0) {
    tokens--;
    const now = performance.now();
    if (tokens === 0) filled = now;
    return capture({ since: now }, noteWait);
  }
  if (TRACEBACK_OFF || --countdown > 0) return undefined;
  countdown = SAMPLE_CHECK;
  const now = performance.now();
  const earned = Math.min(SAMPLE_BURST, Math.floor((now - filled) / SAMPLE_MS));
  if (earned === 0) return undefined;
  filled = now;
  tokens = earned - 1;
  return capture({ since: now }, noteWait);
}

/**
 * This thread has gone quiet (no parked waiter at the end of an event-loop
 * turn; an M parking idle): the next park looks at the clock, so a wait
 * that begins after a busy phase is sampled if tokens were earned meanwhile.
 */
export function quiet(): void {
  if (tokens === 0 && !TRACEBACK_OFF) countdown = 1;
}

/** Pending `sleep()`s of this thread (they are timers, not parks). */
const sleeps = new Set<WaitNote>();

/** Records a sleep while it lasts; pass the result to `endSleep`. */
export function beginSleep(ms: number): WaitNote {
  const w: WaitNote = {};
  waitReason(WR_SLEEP, ms);
  noteWait(w);
  sleeps.add(w);
  return w;
}

export function endSleep(w: WaitNote): void {
  sleeps.delete(w);
}

/** This thread's pending sleeps. */
export function pendingSleeps(): Iterable<WaitNote> {
  return sleeps;
}

/** One line naming what a wait is on ('' if nothing to say). Never throws. */
export function describe(obj: unknown): string {
  if (obj === undefined || obj === null) return '';
  try {
    if (typeof obj === 'number') return `${obj} ms`;
    if (Array.isArray(obj))
      return obj
        .map(describe)
        .filter((s) => s !== '')
        .join(', ');
    const d = (obj as { [kDescribe]?: () => string })[kDescribe];
    if (typeof d === 'function') return String(d.call(obj));
    const name = (obj as { constructor?: { name?: string } }).constructor?.name;
    return name && name !== 'Object' ? name : '';
  } catch {
    return '';
  }
}

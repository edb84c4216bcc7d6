/**
 * Deadlock detection (Go's "all goroutines are asleep - deadlock!").
 *
 * Runs on the main thread (or the thread hosting the runtime) while it has a
 * gocsp operation parked, every CHECK_MS on an unref'd timer. It reports a
 * deadlock only when, on two consecutive probes, all of this holds:
 *
 * - every thread registered in the world is this one, one of the runtime's
 *   Ms, or a hand-made worker that loaded gocsp and is blocked on it: in a
 *   *Sync call (S_BLOCKED), or with parked waiters (S_WAITS) and, woken by
 *   the probe (H_PROBE, S_PARK), answered that it has no pending non-gocsp
 *   work (S_ACK, S_FOREIGN). A hand-made worker with no gocsp wait may be
 *   running: no verdict;
 * - no thread has a live child worker that never joined the world (it never
 *   loaded gocsp, so it could wake anyone unseen): this thread checks its
 *   own, and every other thread counts its own in its answer;
 * - this thread has no pending non-gocsp work (timers, sockets, file
 *   operations: `process.getActiveResourcesInfo()` less gocsp's own handle);
 * - no G is queued anywhere, every M is parked idle, and each M, woken by the
 *   probe, answered that its thread has no pending non-gocsp work either;
 * - nothing moved between the probes: no goroutine started or finished
 *   (SC_GOID, SC_COMPLETED, SC_LOST, SC_DROPPED: every start follows a
 *   spawn), no cross-thread wake was delivered (each thread's S_PARK, read
 *   after the probe's own bumps), no woken node waits in any thread's stack.
 *
 * Then the goroutine dump is taken (runtime/diag.ts; every thread is idle,
 * so each answers at once) and the main thread's parked operations reject
 * with a DeadlockError carrying it. A false alarm is worse than a late one:
 * anything unknown means "no verdict".
 */
import { isMainThread } from 'node:worker_threads';
import { DeadlockError } from '../errors.js';
import { TRACEBACK_OFF } from '../internal/callsite.js';
import { parkHooks, parkerFor } from '../internal/park.js';
import { defaultWorld, unregisteredChildren } from '../internal/worlds.js';
import {
  H_ASK,
  H_PROBE,
  H_SCHED,
  MAX_SLOTS,
  SLOT_ALIVE,
  S_ACK,
  S_BLOCKED,
  S_FOREIGN,
  S_GEN,
  S_PARK,
  S_STATE,
  S_WAITS,
  S_WOKEN,
  slotOf,
} from '../internal/world.js';
import {
  ANSWER_MS_FINAL,
  foreignResources,
  formatDump,
  goroutines,
  type GoroutineInfo,
} from './diag.js';
import { role } from './role.js';
import {
  P_ACK,
  P_FOREIGN,
  P_IDLE,
  P_M,
  P_WAKE,
  SC_COMPLETED,
  SC_DROPPED,
  SC_GOID,
  SC_LOST,
  SC_PROBE,
} from './sched.js';
import { IDLE_PARKED } from './wakep.js';

const CHECK_MS = 50;
const STRIKES = 2;

let timer: ReturnType<typeof setInterval> | undefined;
let phase = 0;
let strikes = 0;
let probe = 0;
let slotProbe = 0;
let snap: number[] = [];

const DEADLOCK = 'all goroutines are asleep - deadlock!';

export function installDeadlockMonitor(): void {
  parkHooks.onFirstPark = ensure;
}

function ensure(): void {
  if (timer !== undefined) return;
  if (!isMainThread && role().host === undefined) return;
  timer = setInterval(check, CHECK_MS);
  timer.unref();
}

function reset(): void {
  phase = 0;
  strikes = 0;
}

function check(): void {
  const world = defaultWorld();
  const parker = parkerFor(world);
  if (parker.parked === 0) {
    clearInterval(timer);
    timer = undefined;
    reset();
    return;
  }
  const i32 = world.i32;
  const host = role().host;
  const addr = Atomics.load(i32, H_SCHED);
  const sc = host?.sc;
  if (addr !== 0 && (sc === undefined || sc.s !== addr)) return reset();
  const threads = [world.token];
  const ms: number[] = [];
  if (sc !== undefined) {
    for (const i of sc.pindexes()) {
      const p = sc.p(i);
      const m = Atomics.load(i32, p + P_M);
      if (m === 0 || Atomics.load(i32, p + P_IDLE) !== IDLE_PARKED) return reset();
      threads.push(m);
      ms.push(p);
    }
    if (sc.anyRunnable()) return reset();
  }
  // Hand-made workers that loaded gocsp: blocked in a *Sync call, or parked
  // (asked below); one with no gocsp wait at all may be running.
  const blocked: number[] = [];
  const asked: number[] = [];
  for (let s = 0; s < MAX_SLOTS; s++) {
    const b = world.slotBase(s);
    if (Atomics.load(i32, b + S_STATE) !== SLOT_ALIVE) continue;
    const token = (Atomics.load(i32, b + S_GEN) << 8) | s;
    if (threads.includes(token)) continue;
    if (Atomics.load(i32, b + S_BLOCKED) !== 0) blocked.push(b);
    else if (Atomics.load(i32, b + S_WAITS) !== 0) asked.push(b);
    else return reset();
    threads.push(token);
  }
  if (foreignResources(parker.holdsProcess ? 1 : 0) + unregisteredChildren(world) > 0) {
    return reset();
  }
  if (phase === 0) {
    // Probe first, then sample: the probe's own S_PARK bumps are not wakes.
    if (sc !== undefined) {
      probe = sc.add(SC_PROBE, 1) + 1;
      for (const p of ms) {
        Atomics.add(i32, p + P_WAKE, 1);
        Atomics.notify(i32, p + P_WAKE);
      }
    }
    if (asked.length > 0) {
      slotProbe = Atomics.add(i32, H_PROBE, 1) + 1;
      Atomics.add(i32, H_ASK, 1);
      for (const b of asked) {
        Atomics.add(i32, b + S_PARK, 1);
        Atomics.notify(i32, b + S_PARK);
      }
    }
  }
  const sample: number[] =
    sc === undefined
      ? []
      : [sc.get(SC_GOID), sc.get(SC_COMPLETED), sc.get(SC_LOST), sc.get(SC_DROPPED)];
  for (const t of threads) {
    const b = world.slotBase(slotOf(t));
    if (Atomics.load(i32, b + S_WOKEN) !== 0) return reset();
    sample.push(Atomics.load(i32, b + S_PARK));
  }
  for (const b of blocked) sample.push(Atomics.load(i32, b + S_BLOCKED));
  if (phase === 0) {
    snap = sample;
    phase = 1;
    return;
  }
  phase = 0;
  for (const p of ms) {
    if (Atomics.load(i32, p + P_ACK) !== probe || Atomics.load(i32, p + P_FOREIGN) > 0) {
      return reset();
    }
  }
  for (const b of asked) {
    if (Atomics.load(i32, b + S_ACK) !== slotProbe || Atomics.load(i32, b + S_FOREIGN) > 0) {
      return reset();
    }
  }
  if (sample.length !== snap.length || sample.some((v, k) => v !== snap[k])) return reset();
  if (++strikes < STRIKES) return;
  reset();
  parker.failAll(deadlockError());
}

/** The verdict, with every goroutine as it is now (each thread is idle: they answer at once). */
function deadlockError(): DeadlockError {
  let gs: GoroutineInfo[] = [];
  try {
    gs = goroutines(ANSWER_MS_FINAL);
  } catch {
    // the verdict stands without its dump
  }
  const text = TRACEBACK_OFF || gs.length === 0 ? '' : `\n\n${formatDump(gs)}`;
  return new DeadlockError(DEADLOCK + text, gs);
}

/**
 * Deadlock detection (Go's "all goroutines are asleep - deadlock!").
 *
 * Runs on the main thread (or the thread hosting the runtime) while it has a
 * gocsp operation parked, every CHECK_MS on an unref'd timer. It reports a
 * deadlock only when, on two consecutive probes, all of this holds:
 *
 * - the only threads registered in the world are this one and the runtime's
 *   Ms (a hand-made worker could wake anything: no verdict while one lives);
 * - this thread has no pending non-gocsp work (timers, sockets, file
 *   operations: `process.getActiveResourcesInfo()` less gocsp's own handle);
 * - no G is queued anywhere, every M is parked idle, and each M, woken by the
 *   probe, answered that its thread has no pending non-gocsp work either;
 * - nothing moved between the probes: no goroutine started or finished
 *   (SC_GOID, SC_COMPLETED, SC_LOST, SC_DROPPED: every start follows a
 *   spawn), no cross-thread wake was delivered (each thread's S_PARK),
 *   no woken node waits in any thread's stack.
 *
 * Then the main thread's parked operations reject with DeadlockError. A
 * false alarm is worse than a late one: anything unknown means "no verdict".
 */
import { isMainThread } from 'node:worker_threads';
import { DeadlockError } from '../errors.js';
import { parkHooks, parkerFor } from '../internal/park.js';
import { defaultWorld } from '../internal/worlds.js';
import {
  H_SCHED,
  MAX_SLOTS,
  SLOT_ALIVE,
  S_GEN,
  S_PARK,
  S_STATE,
  S_WOKEN,
  slotOf,
} from '../internal/world.js';
import { foreignResources } from './m.js';
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
let snap: number[] = [];

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
  for (let s = 0; s < MAX_SLOTS; s++) {
    const b = world.slotBase(s);
    if (Atomics.load(i32, b + S_STATE) !== SLOT_ALIVE) continue;
    const token = (Atomics.load(i32, b + S_GEN) << 8) | s;
    if (!threads.includes(token)) return reset();
  }
  if (foreignResources(parker.holdsProcess ? 1 : 0) > 0) return reset();
  const sample: number[] =
    sc === undefined
      ? []
      : [sc.get(SC_GOID), sc.get(SC_COMPLETED), sc.get(SC_LOST), sc.get(SC_DROPPED)];
  for (const t of threads) {
    const b = world.slotBase(slotOf(t));
    if (Atomics.load(i32, b + S_WOKEN) !== 0) return reset();
    sample.push(Atomics.load(i32, b + S_PARK));
  }
  if (phase === 0) {
    if (sc !== undefined) {
      probe = sc.add(SC_PROBE, 1) + 1;
      for (const p of ms) {
        Atomics.add(i32, p + P_WAKE, 1);
        Atomics.notify(i32, p + P_WAKE);
      }
    }
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
  if (sample.length !== snap.length || sample.some((v, k) => v !== snap[k])) return reset();
  if (++strikes < STRIKES) return;
  reset();
  parker.failAll(new DeadlockError());
}

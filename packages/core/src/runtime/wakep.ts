/**
 * Waking idle Ms (Go's wakep): after a producer published a G, if some P is
 * idle and no M is already spinning for work, hand one idle P a "spinning"
 * token and wake its M. At most one M is woken per call; a spinning M that
 * finds work wakes the next one (Go's resetspinning), so wakeups fan out only
 * as far as there is work.
 *
 * P_IDLE: 0 = running, 1 = parked idle, 2 = parked and claimed by a waker
 * (the waker decremented SC_NPIDLE and transferred one count of
 * SC_NMSPINNING to it).
 *
 * `skip`: a P record not to wake (goElsewhere's own P).
 */
import { role } from './role.js';
import {
  P_ACTIVE,
  P_IDLE,
  P_STATUS,
  P_WAKE,
  SC_NMSPINNING,
  SC_NPIDLE,
  type Sched,
} from './sched.js';

export const IDLE_NO = 0;
export const IDLE_PARKED = 1;
export const IDLE_CLAIMED = 2;

export function wakep(sc: Sched, skip = -1): void {
  const i32 = sc.i32;
  if (Atomics.load(i32, sc.s + SC_NPIDLE) <= 0) return;
  if (Atomics.compareExchange(i32, sc.s + SC_NMSPINNING, 0, 1) !== 0) return;
  for (const i of sc.pindexes()) {
    const p = sc.p(i);
    if (p === skip || Atomics.load(i32, p + P_STATUS) !== P_ACTIVE) continue;
    if (Atomics.compareExchange(i32, p + P_IDLE, IDLE_PARKED, IDLE_CLAIMED) === IDLE_PARKED) {
      Atomics.sub(i32, sc.s + SC_NPIDLE, 1);
      notifyP(sc, p);
      return;
    }
  }
  Atomics.sub(i32, sc.s + SC_NMSPINNING, 1);
}

/** Wakes the M of P record `p` (directly if it is this thread). */
export function notifyP(sc: Sched, p: number): void {
  const m = role().m;
  if (m !== undefined && m.p === p && m.sc.s === sc.s) {
    m.localWake();
    return;
  }
  Atomics.add(sc.i32, p + P_WAKE, 1);
  Atomics.notify(sc.i32, p + P_WAKE);
}

/**
 * Worker-side waiting on a shared Int32 slot: bounded spinning, then parking.
 *
 * Parking uses `Atomics.wait` in slices of {@link WAIT_SLICE_MS}; a timed-out
 * slice costs nothing on the hot path (a woken waiter never looks at the
 * clock) but lets a thread whose peer died notice it and throw after
 * {@link STALL_MS} without progress, instead of sleeping forever. The thrown
 * error reaches the main thread as the worker's `error` event.
 */

/** Loads of the slot before parking, in the "spin then park" variants (~1-2 us here). */
export const SPIN_LOADS = 1000;

/** Result of {@link cpuRelax}, kept so the busy loop cannot be optimized away. */
let relaxSink = 0;

/**
 * Busy-waits `iterations` loop iterations (~0.8 ns each here) without touching
 * shared memory: JavaScript's stand-in for the x86 PAUSE instruction between
 * two polls of a peer's index. Polling back to back keeps stealing the cache
 * line the peer is writing; pausing lets the peer run ahead, and the poller
 * then takes a batch (the SAB ring goes from ~7M to ~25M msg/s here).
 */
export function cpuRelax(iterations: number): void {
  let x = relaxSink;
  for (let i = 0; i < iterations; i++) x = (x + i) | 0;
  relaxSink = x;
}

/** Longest single `Atomics.wait`; only bounds how soon a stall is noticed. */
export const WAIT_SLICE_MS = 250;

/** No progress for this long means the peer is dead or wedged. */
export const STALL_MS = 10_000;

/**
 * Blocks until `i32[index] !== value`, parking in `Atomics.wait` with no
 * spinning, and returns the new value. `what` names the waiter in the stall error.
 */
export function parkWhileEqual(
  i32: Int32Array,
  index: number,
  value: number,
  what: string,
): number {
  let stallAt = 0;
  for (;;) {
    const v = Atomics.load(i32, index);
    if (v !== value) return v;
    if (Atomics.wait(i32, index, value, WAIT_SLICE_MS) === 'timed-out') {
      const now = Date.now();
      if (stallAt === 0) stallAt = now + STALL_MS;
      else if (now > stallAt) {
        throw new Error(`${what}: no progress for ${STALL_MS} ms; the peer thread is dead or hung`);
      }
    }
  }
}

/**
 * Blocks until `i32[index] !== value`: first up to `spins` loads (with
 * {@link cpuRelax}(`pause`) between them when `pause` > 0), then sets
 * `i32[sleepingFlag] = 1`, re-checks, parks, and clears the flag. A peer that
 * changes the slot and then reads the flag as 1 must `Atomics.notify` the slot.
 *
 * No lost wake-up: Atomics are sequentially consistent, so either the re-check
 * after the flag store sees the peer's change, or the peer's flag load (after
 * its change) sees 1 and notifies; and `Atomics.wait` returns at once if the
 * slot no longer holds `value`.
 */
export function spinThenPark(
  i32: Int32Array,
  index: number,
  value: number,
  sleepingFlag: number,
  spins: number,
  pause: number,
  what: string,
): number {
  for (let k = 0; k < spins; k++) {
    const v = Atomics.load(i32, index);
    if (v !== value) return v;
    if (pause > 0) cpuRelax(pause);
  }
  Atomics.store(i32, sleepingFlag, 1);
  try {
    return parkWhileEqual(i32, index, value, what);
  } finally {
    Atomics.store(i32, sleepingFlag, 0);
  }
}

/**
 * Timers as channels (Go's time.After, time.Tick / NewTicker), and gocsp's
 * one clock: every timer of gocsp (these, and @gocsp/patterns' context
 * deadlines, `batch`, `rateLimit`) reads and schedules time through the
 * clock set here, so a test swaps one clock to run all of them on virtual
 * time.
 *
 * `after`/`tick` timers are unref'd: a pending timer alone does not keep the
 * process alive (as a Go program ends when main returns), but an operation
 * waiting on the timer's channel does (core's parker holds a handle while
 * anything waits), and they count as pending work for deadlock detection.
 * Other users of the clock decide for their own handles (a context's
 * deadline is ref'd: it is work the thread still has to do).
 */
import * as substrate from '@gocsp/core/internal';
import { chan, type Channel } from './channel.js';
import { codecs } from './codec.js';

/** What timers use to read and schedule time. Swap it in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Unrefs a timer handle of the clock (a virtual clock's handles may have no `unref`). */
const unref = <T>(h: T): T => {
  (h as { unref?: () => void }).unref?.();
  return h;
};

/**
 * The real clock: Date.now and Node's timers (ref'd, as Node makes them).
 *
 * @example
 * ```ts
 * setClock(realClock); // back to real time after a test
 * ```
 */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

let clock: Clock = realClock;

/**
 * Replaces the clock every gocsp timer uses in this thread (returns the
 * previous one). For tests.
 *
 * @example
 * ```ts
 * const prev = setClock(virtual); try { ... } finally { setClock(prev); }
 * ```
 */
export function setClock(c: Clock): Clock {
  const prev = clock;
  clock = c;
  return prev;
}

/**
 * The clock in use in this thread (what `setClock` set, else `realClock`).
 *
 * @example
 * ```ts
 * const deadline = currentClock().now() + 500;
 * ```
 */
export function currentClock(): Clock {
  return clock;
}

function checkMs(ms: number): void {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(
      `a duration must be a non-negative number of milliseconds, got ${substrate.shown(ms)}`,
    );
  }
}

/**
 * A channel that receives the current time (ms since the epoch) once, after `ms`.
 *
 * @example
 * ```ts
 * await select([onRecv(ch), onRecv(after(500), () => 'timeout')]);
 * ```
 */
export function after(ms: number): Channel<number> {
  checkMs(ms);
  const c = chan<number>(1, { codec: codecs.float64 });
  substrate.pendingTimer(1);
  unref(
    clock.setTimeout(() => {
      substrate.pendingTimer(-1);
      c.trySend(clock.now());
    }, ms),
  );
  return c;
}

/** A ticker: `c` receives the time every `ms`; `stop()` ends it. */
export interface Ticker {
  readonly c: Channel<number>;
  stop(): void;
}

/**
 * Go's time.NewTicker: `c` receives the time every `ms` ms; a slow receiver
 * misses ticks rather than queueing them (buffer of one, as in Go).
 *
 * @example
 * ```ts
 * const t = tick(100);
 * for (let i = 0; i < 3; i++) await t.c.recv();
 * t.stop();
 * ```
 */
export function tick(ms: number): Ticker {
  checkMs(ms);
  if (ms === 0) throw new RangeError('tick needs a positive interval');
  const c = chan<number>(1, { codec: codecs.float64 });
  const h = unref(clock.setInterval(() => c.trySend(clock.now()), ms));
  substrate.pendingTimer(1);
  let stopped = false;
  return {
    c,
    stop: () => {
      if (stopped) return;
      stopped = true;
      substrate.pendingTimer(-1);
      clock.clearInterval(h);
    },
  };
}

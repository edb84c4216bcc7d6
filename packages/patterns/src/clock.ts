/**
 * The clock behind every timer of this package (context deadlines, `batch`,
 * `rateLimit`), swappable so tests can run on virtual time.
 *
 * Unlike @gocsp/channels' `after`/`tick`, these timers are ref'd: a pending
 * deadline is work the thread still has to do, so the process stays alive for
 * it and gocsp's deadlock detector counts it (an unref'd timer would let a
 * `await ctx.done().recv()` be reported as a deadlock). They are cleared as
 * soon as they cannot matter: cancelling a context stops its timer.
 */
import type { Clock } from '@gocsp/channels';

/**
 * The real clock: Date.now and Node's timers (ref'd).
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

let current: Clock = realClock;

/**
 * Replaces the clock of this package's timers (context deadlines, `batch`,
 * `rateLimit`) in this thread; returns the previous one. For tests.
 *
 * @example
 * ```ts
 * const prev = setClock(virtualClock);
 * try { ... } finally { setClock(prev); }
 * ```
 */
export function setClock(c: Clock): Clock {
  const prev = current;
  current = c;
  return prev;
}

/** The clock in use (internal). */
export function clock(): Clock {
  return current;
}

/**
 * Timers as channels (Go's time.After, time.Tick / NewTicker), through a
 * swappable clock so tests can run on virtual time.
 *
 * Timers are unref'd: a pending timer alone does not keep the process alive
 * (as a Go program ends when main returns), but an operation waiting on the
 * timer's channel does (core's parker holds a handle while anything waits).
 */
import { substrate } from '@gocsp/core';
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

const unref = <T>(h: T): T => {
  (h as { unref?: () => void }).unref?.();
  return h;
};

/** The real clock: Date.now and Node's (unref'd) timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => unref(setTimeout(fn, ms)),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => unref(setInterval(fn, ms)),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

let clock: Clock = realClock;

/**
 * Replaces the clock timers use (returns the previous one). For tests.
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

function checkMs(ms: number): void {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(
      `a duration must be a non-negative number of milliseconds, got ${String(ms)}`,
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
  clock.setTimeout(() => {
    substrate.pendingTimer(-1);
    c.trySend(clock.now());
  }, ms);
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
  const h = clock.setInterval(() => c.trySend(clock.now()), ms);
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

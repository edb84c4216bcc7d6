/**
 * Errors of @gocsp/patterns, in one place. A context's `err()` is one of
 * the two sentinels (Go's `context.Canceled` / `context.DeadlineExceeded`),
 * so `ctx.err() === Canceled` works as Go's `errors.Is` does; their classes
 * work with `instanceof` on every thread.
 */
import { GocspError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';

/**
 * The error of a context that was cancelled (Go's `context.Canceled`,
 * message "context canceled"). `ctx.err()` returns the one sentinel
 * {@link Canceled}.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * cancel();
 * ctx.err() instanceof CanceledError; // true
 * ```
 */
export class CanceledError extends GocspError {
  override name = 'CanceledError';
  constructor(message = 'context canceled') {
    super(message);
  }
}

/**
 * The error of a context whose deadline passed (Go's
 * `context.DeadlineExceeded`, message "context deadline exceeded").
 *
 * @example
 * ```ts
 * const [ctx] = withTimeout(background(), 10);
 * await ctx.done().recv();
 * ctx.err() instanceof DeadlineExceededError; // true
 * ```
 */
export class DeadlineExceededError extends GocspError {
  override name = 'DeadlineExceededError';
  constructor(message = 'context deadline exceeded') {
    super(message);
  }
}

/**
 * Go's `context.Canceled`: what `err()` returns once a context was cancelled.
 *
 * @example
 * ```ts
 * if (ctx.err() === Canceled) console.log('stopped by cancel');
 * ```
 */
// Both arrive as instances of their class when they cross threads (a cancel
// cause, a goroutine's panic, a pool's per-job error).
substrate.registerErrorClass(CanceledError);
substrate.registerErrorClass(DeadlineExceededError);

export const Canceled: CanceledError = new CanceledError();

/**
 * Go's `context.DeadlineExceeded`: what `err()` returns once the deadline passed.
 *
 * @example
 * ```ts
 * if (ctx.err() === DeadlineExceeded) console.log('too slow');
 * ```
 */
export const DeadlineExceeded: DeadlineExceededError = new DeadlineExceededError();

export const errors = {
  notContext: (what: string, v: unknown) =>
    new TypeError(
      `${what}: expected a Context (background(), withCancel(...), ...), got ${substrate.shown(v)}; start from background()`,
    ),
  badMs: (what: string, ms: unknown) =>
    new RangeError(`${what}: expected a number of milliseconds >= 0, got ${substrate.shown(ms)}`),
  badDate: (what: string, d: unknown) =>
    new TypeError(
      `${what}: expected a Date or a time in ms since the epoch, got ${substrate.shown(d)}`,
    ),
  badKey: (k: unknown) =>
    new TypeError(
      `withValue: the key must be a string (keys cross threads, so symbols and objects cannot be keys), got ${substrate.shown(k)}`,
    ),
  badCount: (what: string, n: unknown, min = 1) =>
    new RangeError(`${what} must be an integer >= ${min}, got ${substrate.shown(n)}`),
  badRate: (n: unknown) =>
    new RangeError(`rateLimit: perSecond must be a positive number, got ${substrate.shown(n)}`),
  badTask: (what: string, t: unknown) =>
    new TypeError(
      `${what}: expected a goroutine function (a self-contained function, or a taskModule reference), got ${substrate.shown(t)}`,
    ),
  notChannel: (what: string, v: unknown) =>
    new TypeError(`${what}: expected a Channel from @gocsp/channels, got ${substrate.shown(v)}`),
  poolClosed: () => new GocspError('workerPool: submit after close()'),
  limitWhileActive: (n: number) =>
    new GocspError(`errgroup: modify limit while ${n} goroutines in the group are still active`),
  badPiscina: (v: unknown) =>
    new TypeError(
      `piscinaStage: expected a Piscina pool (an object with run(task, options?)), got ${substrate.shown(v)}`,
    ),
} as const;

/**
 * ErrGroup: golang.org/x/sync/errgroup. Goroutines started with `go` run on
 * the worker runtime (core `spawn`); `wait` settles when all have returned,
 * with the first error. The group's context is cancelled by that first error
 * (or when `wait` returns), so the other goroutines - given `g.ctx` as an
 * argument - can stop early.
 *
 * `go` never blocks the caller (JavaScript cannot block): past the limit set
 * by `setLimit`, functions wait in a FIFO queue for a free slot. Functions
 * still queued when the first error happens are not started: their context is
 * already cancelled, so running them could only waste work.
 */
import { spawn, type AnyFn, type TaskRef } from '@gocsp/core';
import { background, withCancel, type CancelFunc, type Context } from './context.js';
import { errors } from './errors.js';

type Start = () => Promise<unknown>;

/**
 * Go's `errgroup.Group`: run goroutines, wait for all, get the first error.
 *
 * @example
 * ```ts
 * const g = new ErrGroup(background());
 * g.setLimit(4);
 * for (const url of urls) g.go(tasks.fetchPage, g.ctx, url); // tasks check ctx.err() / ctx.done()
 * await g.wait(); // throws the first error; the others saw g.ctx cancelled
 * ```
 */
export class ErrGroup {
  /**
   * The group's context, derived from the one given to the constructor (or
   * `background()`): cancelled by the first error (that error is its
   * `cause`), or when `wait` returns. Pass it to the goroutines.
   */
  readonly ctx: Context;
  #cancel: CancelFunc;
  #active = 0;
  #limit = -1;
  #queue: Start[] = [];
  #err: { e: unknown } | undefined;
  #idle: Array<() => void> = [];

  /**
   * A group whose context derives from `ctx` (Go's `errgroup.WithContext`);
   * without one, from `background()`.
   *
   * @example
   * ```ts
   * const [ctx, cancel] = withTimeout(background(), 5_000);
   * const g = new ErrGroup(ctx);
   * ```
   */
  constructor(ctx?: Context) {
    [this.ctx, this.#cancel] = withCancel(ctx ?? background());
  }

  /**
   * Go's `errgroup.WithContext`: a new group and its derived context.
   *
   * @example
   * ```ts
   * const [g, ctx] = ErrGroup.withContext(parent);
   * g.go(tasks.search, ctx, 'web');
   * ```
   */
  static withContext(ctx: Context): [ErrGroup, Context] {
    const g = new ErrGroup(ctx);
    return [g, g.ctx];
  }

  /**
   * Runs `fn(...args)` as a goroutine on the worker runtime (a self-contained
   * function or a `taskModule` reference, as for `go`). If the group has a
   * limit and it is reached, the call waits in a queue for a free slot.
   * The first error it throws becomes `wait`'s error and cancels `ctx`.
   *
   * @example
   * ```ts
   * g.go(async (ctx: Context, n: number) => { if (ctx.err()) return; await work(n); }, g.ctx, 42);
   * ```
   */
  go<F extends AnyFn>(fn: F | TaskRef<F>, ...args: Parameters<F>): void {
    this.#submit(() => spawn(fn, ...args));
  }

  /**
   * Like `go`, but runs `fn` on this thread (an async function that may use
   * anything in scope: I/O clients, closures). Same limit, same error rules.
   *
   * @example
   * ```ts
   * for (const url of urls) g.goLocal(async () => { pages.push(await fetch(url)); });
   * ```
   */
  goLocal(fn: () => unknown): void {
    if (typeof fn !== 'function') throw errors.badTask('ErrGroup.goLocal', fn);
    this.#submit(async () => fn());
  }

  /**
   * Starts `fn(...args)` only if the limit allows it now (Go's `TryGo`);
   * returns whether it started.
   *
   * @example
   * ```ts
   * if (!g.tryGo(tasks.work, g.ctx, item)) backlog.push(item);
   * ```
   */
  tryGo<F extends AnyFn>(fn: F | TaskRef<F>, ...args: Parameters<F>): boolean {
    if (this.#limit >= 0 && this.#active >= this.#limit) return false;
    this.#start(() => spawn(fn, ...args));
    return true;
  }

  /**
   * At most `n` goroutines of the group active at once; a negative `n` means
   * no limit (the default). Changing it while goroutines are active throws,
   * as Go panics.
   *
   * @example
   * ```ts
   * g.setLimit(gomaxprocs());
   * ```
   */
  setLimit(n: number): void {
    if (!Number.isInteger(n)) throw errors.badCount('ErrGroup.setLimit: n', n, -(2 ** 31));
    if (this.#active !== 0) throw errors.limitWhileActive(this.#active);
    this.#limit = n < 0 ? -1 : n;
  }

  /**
   * Waits until every goroutine started (and queued) has returned, cancels the
   * group's context, and rejects with the first error, if any.
   *
   * @example
   * ```ts
   * try { await g.wait(); } catch (e) { console.error('first failure:', e); }
   * ```
   */
  async wait(): Promise<void> {
    if (this.#active > 0 || this.#queue.length > 0) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
    this.#cancel();
    if (this.#err !== undefined) throw this.#err.e;
  }

  #submit(start: Start): void {
    if (this.#limit >= 0 && this.#active >= this.#limit) {
      this.#queue.push(start);
      return;
    }
    this.#start(start);
  }

  #start(start: Start): void {
    this.#active++;
    let p: Promise<unknown>;
    try {
      p = start();
    } catch (e) {
      p = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    p.then(
      () => {},
      (e: unknown) => {
        if (this.#err !== undefined) return;
        this.#err = { e };
        this.#cancel(e);
        this.#queue.length = 0; // not started: their context is cancelled already
      },
    )
      .finally(() => {
        this.#active--;
        const next = this.#queue.shift();
        if (next !== undefined) this.#start(next);
        else if (this.#active === 0) {
          const idle = this.#idle;
          this.#idle = [];
          for (const r of idle) r();
        }
      })
      .catch(() => {});
  }
}

/**
 * Typed errors of @gocsp/core. Every message says what happened and what to do.
 *
 * User mistakes (Go's panics) and broken shared state get distinct classes so
 * callers can tell "you used it wrong" from "another thread died".
 */
import type { GoroutineInfo } from './runtime/diag.js';

/** Base class of every error gocsp throws on purpose. */
export class GocspError extends Error {
  override name = 'GocspError';
}

/**
 * A thread died (terminated, crashed, `process.exit`) while it held a gocsp
 * lock or was running a `Once` function; waiting would hang forever, so the
 * waiters get this instead.
 *
 * @example
 * ```ts
 * try { await mu.lock(); } catch (e) { if (e instanceof OwnerDiedError) restart(); }
 * ```
 */
export class OwnerDiedError extends GocspError {
  override name = 'OwnerDiedError';
}

/**
 * A blocking `*Sync` call was made on the main thread, whose event loop must
 * never freeze. Use the async form (`await mu.lock()`) there.
 *
 * @example
 * ```ts
 * if (isMainThread) await wg.wait(); else wg.waitSync();
 * ```
 */
export class BlockingOnMainThreadError extends GocspError {
  override name = 'BlockingOnMainThreadError';
}

/**
 * A fixed shared-memory capacity ran out (thread slots, waiter records).
 * The message names the limit and the environment variable that raises it.
 *
 * @example
 * ```ts
 * // the shared heap is full: GOCSP_MAX_MEMORY=4096 node app.js (MiB)
 * ```
 */
export class CapacityError extends GocspError {
  override name = 'CapacityError';
}

/**
 * A value handed to `fromShared` is not a handle made by `toShared`, or names a
 * shared type that no loaded gocsp package registered.
 *
 * @example
 * ```ts
 * const mu = fromShared<Mutex>(workerData.mu); // workerData.mu = toShared(mu) on the sender
 * ```
 */
export class SharedHandleError extends GocspError {
  override name = 'SharedHandleError';
}

/** Internal invariant broken: a bug in gocsp, never a user mistake. */
export class InternalError extends GocspError {
  override name = 'InternalError';
}

/**
 * Every goroutine, the main thread included, is blocked on gocsp operations
 * and nothing else (no timer, socket or file operation on any thread) could
 * wake one: Go's "all goroutines are asleep - deadlock!". The main thread's
 * pending gocsp operations reject with it. `goroutines` is the snapshot taken
 * at the verdict (`runtime.goroutines()`), and the message ends with it as
 * Go's traceback text (unless GOCSP_TRACEBACK=none).
 *
 * @example
 * ```ts
 * const ch = chan<number>();
 * await ch.recv().catch((e) => {
 *   if (e instanceof DeadlockError) console.error(e.message); // ...deadlock!\n\ngoroutine 1 [chan receive]: ...
 * });
 * ```
 */
export class DeadlockError extends GocspError {
  override name = 'DeadlockError';
  /** Every goroutine when the deadlock was found (each blocked, with where and on what). */
  readonly goroutines: GoroutineInfo[];
  constructor(message = 'all goroutines are asleep - deadlock!', goroutines: GoroutineInfo[] = []) {
    super(message);
    this.goroutines = goroutines;
  }
}

/**
 * An error escaped a goroutine started with `go` (Go's panic). It is thrown on
 * the thread that started the runtime as an uncaught exception; `cause` is the
 * original error (class name, message, stack, `cause` and own properties kept)
 * and `goroutine` its goroutine id. Its `stack` is the original stack followed
 * by `created by <fn> at <file:line:col>`, the go() call that started the
 * goroutine, as Go's traceback ends (unless GOCSP_TRACEBACK=none).
 *
 * @example
 * ```ts
 * process.on('uncaughtException', (e) => {
 *   if (e instanceof PanicError) console.error(`goroutine ${e.goroutine}:`, e.cause);
 * });
 * ```
 */
export class PanicError extends GocspError {
  override name = 'PanicError';
  readonly goroutine: number;
  /** `<fn> at <file:line:col>`: the go() call that created the goroutine, if known. */
  readonly createdBy: string | undefined;
  constructor(goroutine: number, cause: unknown, createdBy?: string) {
    const msg = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`panic in goroutine ${goroutine}: ${msg}`, { cause });
    this.goroutine = goroutine;
    this.createdBy = createdBy;
    const inner = cause instanceof Error && cause.stack ? cause.stack : msg;
    const tail = createdBy !== undefined ? `\ncreated by ${createdBy}` : '';
    this.stack = `PanicError: panic in goroutine ${goroutine} [running]:\n${inner}${tail}`;
  }
}

/**
 * The worker thread running a goroutine died (`process.exit` in a goroutine,
 * out of memory under `resourceLimits`, `terminate`) before the goroutine
 * finished. The runtime replaced the worker; other goroutines go on.
 *
 * @example
 * ```ts
 * try { await spawn(task) } catch (e) { if (e instanceof WorkerDiedError) await spawn(task) }
 * ```
 */
export class WorkerDiedError extends GocspError {
  override name = 'WorkerDiedError';
}

/**
 * `runtime.shutdown()` stopped the runtime before the goroutine finished (as
 * when Go's main returns): its `spawn` rejects with this.
 *
 * @example
 * ```ts
 * spawn(longTask).catch((e) => { if (e instanceof RuntimeStoppedError) return; throw e; });
 * await runtime.shutdown();
 * ```
 */
export class RuntimeStoppedError extends GocspError {
  override name = 'RuntimeStoppedError';
}

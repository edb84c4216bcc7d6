/**
 * Typed errors of @gocsp/core. Every message says what happened and what to do.
 *
 * User mistakes (Go's panics) and broken shared state get distinct classes so
 * callers can tell "you used it wrong" from "another thread died".
 */

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
 * // GOCSP_MAX_WAITERS=4194304 node app.js
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

/**
 * Errors of @gocsp/sync. Go's misuse panics become thrown `SyncMisuseError`s
 * carrying Go's own messages; the shared state is left as it was before the
 * faulty call.
 */
import { GocspError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';

/**
 * A primitive was misused in a way Go panics on (negative WaitGroup counter,
 * unlock of an unlocked mutex, rUnlock without rLock, release of more than
 * held). The message is Go's.
 *
 * @example
 * ```ts
 * try { new Mutex().unlock(); } catch (e) { e instanceof SyncMisuseError; } // "sync: unlock of unlocked mutex"
 * ```
 */
export class SyncMisuseError extends GocspError {
  override name = 'SyncMisuseError';
}

export const errors = {
  negativeCounter: () => new SyncMisuseError('sync: negative WaitGroup counter'),
  counterOverflow: () =>
    new RangeError(
      'sync: WaitGroup counter would pass 2^30 - 1 (1073741823): call done() for finished tasks before adding more',
    ),
  unlockUnlocked: () => new SyncMisuseError('sync: unlock of unlocked mutex'),
  rwUnlockUnlocked: () => new SyncMisuseError('sync: Unlock of unlocked RWMutex'),
  rUnlockUnlocked: () => new SyncMisuseError('sync: RUnlock of unlocked RWMutex'),
  releaseMoreThanHeld: () => new SyncMisuseError('semaphore: released more than held'),
  badWeight: (w: unknown, size: number) =>
    new RangeError(
      `semaphore weight must be an integer between 0 and the semaphore's size ${size}, got ${substrate.shown(w)}`,
    ),
  badDelta: (n: unknown) =>
    new TypeError(`WaitGroup.add needs an integer delta, got ${substrate.shown(n)}`),
  badInt32: (v: unknown) =>
    new RangeError(`AtomicInt32 takes integers in [-2^31, 2^31), got ${substrate.shown(v)}`),
  badInt64: (v: unknown) =>
    new TypeError(`AtomicInt64 takes bigints in [-2^63, 2^63), got ${substrate.shown(v)}`),
  badLocker: () =>
    new TypeError(
      'Cond needs a Mutex or RWMutex from @gocsp/sync (or any { lock(), unlock() } locker)',
    ),
} as const;

// Arrives as a SyncMisuseError when it crosses threads (a goroutine's panic, a spawn's rejection).
substrate.registerErrorClass(SyncMisuseError);

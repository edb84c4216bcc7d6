/**
 * @gocsp/sync: Go's sync package (and x/sync/semaphore) in shared memory.
 * Every object works from every thread: the main thread, gocsp goroutines and
 * hand-made worker_threads (send it with `toShared` from @gocsp/core).
 */

// Locks.
export { Mutex } from './mutex.js';
export { RWMutex } from './rwmutex.js';
export { Cond } from './cond.js';
export type { Locker } from './cond.js';

// Coordination.
export { WaitGroup } from './waitgroup.js';
export { Once } from './once.js';
export { Semaphore } from './semaphore.js';
export type { AcquireOptions } from './semaphore.js';

// Atomics.
export { AtomicInt32, AtomicInt64, AtomicBool } from './atomic.js';

// Errors.
export { SyncMisuseError } from './errors.js';
export { OwnerDiedError, BlockingOnMainThreadError, toShared, fromShared } from '@gocsp/core';

/**
 * @gocsp/core: the gocsp runtime.
 *
 * This entry only re-exports: the G/M/P goroutine scheduler (`go`, `spawn`,
 * `gomaxprocs`, ...) and the shared-memory substrate every other gocsp
 * package is built on.
 */

// Goroutines: the G/M/P runtime.
export {
  go,
  spawn,
  spawnWith,
  gomaxprocs,
  numCPU,
  numGoroutine,
  gosched,
  sleep,
  runtime,
} from './runtime/api.js';
export type { SpawnOptions, RuntimeStats, PStats } from './runtime/api.js';
export { taskModule } from './runtime/funcs.js';
export type { TaskRef, TaskRefs, AnyFn } from './runtime/funcs.js';
export type { Trace, TraceEvent } from './runtime/trace.js';

// Public API: shared objects across threads.
export { toShared, fromShared, isShareable, isHandle } from './internal/shared.js';
export type { SharedHandle, Shareable } from './internal/shared.js';

// Codecs (values crossing threads: channel values, goroutine arguments and results).
export type { Codec } from './codec.js';

// Errors.
export {
  GocspError,
  OwnerDiedError,
  BlockingOnMainThreadError,
  CapacityError,
  SharedHandleError,
  InternalError,
  DeadlockError,
  PanicError,
  WorkerDiedError,
  RuntimeStoppedError,
} from './errors.js';

// Substrate for gocsp's own packages (@gocsp/sync, @gocsp/channels, ...).
// Stable enough to build on, but not part of the user-facing contract.
export * as substrate from './substrate.js';

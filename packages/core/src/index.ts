/**
 * @gocsp/core: the gocsp runtime.
 *
 * This entry only re-exports the public API: the G/M/P goroutine scheduler
 * (`go`, `spawn`, `gomaxprocs`, ...), shared objects across threads
 * (`toShared`, `fromShared`), codecs and errors. The shared-memory substrate
 * the other gocsp packages are built on is the `@gocsp/core/internal`
 * subpath (src/substrate.ts), which is not public API.
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
export type { GoroutineInfo } from './runtime/diag.js';
export { taskModule } from './runtime/funcs.js';
export type { TaskRef, TaskRefs, AnyFn } from './runtime/funcs.js';
export type { Trace, TraceEvent } from './runtime/trace.js';

// Public API: shared objects across threads.
export { toShared, fromShared, isShareable, isHandle } from './internal/shared.js';
export type { SharedHandle, SharedValue, Shareable } from './internal/shared.js';

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

/**
 * @gocsp/patterns: Go's concurrency patterns on the gocsp runtime. This entry
 * only re-exports; RxJS adapters live in `@gocsp/patterns/rxjs`.
 */

// Context (Go's context package), across threads.
export {
  Context,
  background,
  todo,
  withCancel,
  withCancelCause,
  withTimeout,
  withTimeoutCause,
  withDeadline,
  withDeadlineCause,
  withValue,
  cause,
} from './context.js';
export type { CancelFunc } from './context.js';

// errgroup (golang.org/x/sync/errgroup).
export { ErrGroup } from './errgroup.js';

// Worker pools.
export { workerPool } from './pool.js';
export type { WorkerPool, WorkerPoolOptions, PoolResult } from './pool.js';

// Pipelines.
export { pipeline, stage, localStage } from './pipeline.js';
export type { Stage, StageOptions, Source } from './pipeline.js';
export { piscinaStage } from './piscina.js';
export type { PiscinaLike, PiscinaStageOptions } from './piscina.js';
export { StreamChannel } from './stream.js';
export { fromIterable, collect } from './iterable.js';
export type { FromIterableOptions, CollectOptions } from './iterable.js';

// Channel helpers: fan-in, fan-out, tee, batching, rate limiting.
export { merge } from './merge.js';
export { fanOut } from './fanout.js';
export { tee } from './tee.js';
export { batch } from './batch.js';
export { rateLimit } from './ratelimit.js';
export type { RateLimitOptions } from './ratelimit.js';
export type { FlowOptions } from './internal/flow.js';
// Receive ends that are not local Channels (remote channels) are accepted by merge and collect.
export type { RecvChannel, Receivable } from './internal/recv.js';

// gocsp's one clock (@gocsp/channels' setClock: context deadlines, batch,
// rateLimit, after and tick all read it), re-exported for tests on virtual time.
export { setClock, realClock } from '@gocsp/channels';

// Errors.
export { Canceled, DeadlineExceeded, CanceledError, DeadlineExceededError } from './errors.js';

/**
 * This package's version.
 *
 * @example
 * ```ts
 * console.log(`@gocsp/patterns ${VERSION}`);
 * ```
 */
export const VERSION = '0.0.0';

/**
 * @gocsp/core: the gocsp runtime.
 *
 * This entry only re-exports. The G/M/P goroutine scheduler (`go`, `spawn`,
 * `gomaxprocs`, ...) lands here in a later release; today it holds the
 * shared-memory substrate every other gocsp package is built on.
 */

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
} from './errors.js';

// Substrate for gocsp's own packages (@gocsp/sync, @gocsp/channels, ...).
// Stable enough to build on, but not part of the user-facing contract.
export * as substrate from './substrate.js';

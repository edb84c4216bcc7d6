/**
 * `@gocsp/core/internal`: the shared-memory substrate, for gocsp's own
 * packages only (`import * as substrate from '@gocsp/core/internal'`).
 *
 * NOT PUBLIC API: it changes without notice between versions, and
 * tools/check-graph.mjs lets only @gocsp packages import it. Layouts and
 * invariants are documented at the top of each file under ./internal and in
 * docs/ARCHITECTURE.md.
 */
export {
  World,
  NODE_WAITING,
  NODE_WOKEN,
  NODE_CANCELLED,
  NODE_SPINNING,
  N_OWNER,
  N_STATE,
  N_A,
  N_B,
  N_C,
  N_D,
  H_SPINNING,
} from './internal/world.js';
export { fastLoad } from './internal/world.js';
export type { Token } from './internal/world.js';
export { defaultWorld, adoptWorld, knownWorlds } from './internal/worlds.js';
export { ilock, itryLock, iunlock } from './internal/ilock.js';
export { relax } from './internal/spin.js';
export { Fifo } from './internal/fifo.js';
export { shown } from './internal/shown.js';
export { sabStats } from './internal/sabs.js';
export { allocNode, freeNode, allocBlock, freeBlock, classFor } from './internal/heap.js';
export {
  allocObject,
  retain,
  release,
  pin,
  registerFreeHook,
  refsOf,
  childOf,
  typeIdOf,
  OBJ_HEADER,
} from './internal/object.js';
export type { FreeHook } from './internal/object.js';
export { WaitQueue, markWoken, markWokenFrom, cancelNode } from './internal/waitq.js';
export {
  Parker,
  parkerFor,
  wakeNode,
  canSpin,
  spinUntil,
  spinOnNode,
  spinFor,
  nodeWoken,
  markSpinning,
  assertMayBlock,
} from './internal/park.js';
export type { Waiter, LocalWait } from './internal/park.js';
export {
  kShared,
  HANDLE_KEY,
  registerSharedType,
  rememberObject,
  reviveRef,
  mapShared,
  reviveIn,
  inspectCustom,
  sharedSummary,
} from './internal/shared.js';
export type { Reviver, SharedRef } from './internal/shared.js';
export { threadState } from './internal/env.js';
import { threadState as ts } from './internal/env.js';
/**
 * Counts a gocsp timer (after, tick) as pending work of this thread while it
 * runs (+1 when armed, -1 when it fired or stopped): deadlock detection must
 * not call a wait on a timer a deadlock, and these timers are unref'd.
 */
export function pendingTimer(delta: number): void {
  ts().timers += delta;
}
export {
  parkAsync,
  parkSync,
  popAll,
  wakeAll,
  releaseAll,
  cancelQueued,
  blockForever,
} from './internal/wait.js';
// Wait reasons for the goroutine dump (internal/waits.ts): a waiter class
// tells its own with [kWaitOn](), parkAsync takes ParkOptions.reason, other
// parks call waitReason(WR_..., object) right before; the object may describe
// itself with [kDescribe]().
export {
  waitReason,
  carryWait,
  kDescribe,
  kWaitOn,
  WR_CHAN_RECV,
  WR_CHAN_SEND,
  WR_SELECT,
  WR_SELECT_NO_CASES,
  WR_CHAN_RECV_NIL,
  WR_CHAN_SEND_NIL,
  WR_MUTEX_LOCK,
  WR_RWMUTEX_RLOCK,
  WR_RWMUTEX_LOCK,
  WR_WAITGROUP_WAIT,
  WR_COND_WAIT,
  WR_SEMACQUIRE,
} from './internal/waits.js';
export type { WaitNote } from './internal/waits.js';
export type { ParkOptions } from './internal/wait.js';
export {
  storeValue,
  takeValue,
  copyIn,
  copyOut,
  valueLength,
  freeValue,
} from './internal/values.js';
export { codecs, STRUCTURED_NUMBER_TAG, inPlace } from './codec.js';
export type { InPlace } from './codec.js';
export { bufferOf } from './internal/fastclone.js';
export {
  registerErrorClass,
  errorToWire,
  errorFromWire,
  encodeError,
  decodeError,
} from './internal/wire.js';
export { runM } from './runtime/m.js';
export { goElsewhere } from './runtime/api.js';
export { parkHooks } from './internal/park.js';
export { keyOf as taskKey, compile as compileTask, explainCapture } from './runtime/funcs.js';
export type { Compiled as CompiledTask } from './runtime/funcs.js';

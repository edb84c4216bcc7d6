/**
 * @gocsp/patterns/rxjs: RxJS adapters (rxjs is an optional peer dependency,
 * loaded only by this entry). This entry only re-exports.
 */

// Channels and Observables.
export { fromChannel } from './internal/rxjs/from-channel.js';
export { toChannel, OverflowError } from './internal/rxjs/to-channel.js';
export type { ToChannelOptions, OverflowPolicy } from './internal/rxjs/to-channel.js';

// Operators on the worker runtime.
export { parallelMap } from './internal/rxjs/parallel-map.js';
export type { ParallelMapOptions } from './internal/rxjs/parallel-map.js';

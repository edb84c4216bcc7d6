/**
 * @gocsp/channels: Go channels and select over shared memory, between any
 * threads (main, gocsp goroutines, hand-made worker_threads).
 */

// Channels.
export { chan, Channel, registerCodec } from './channel.js';
export type { ChanOptions, OpOptions } from './channel.js';

// Select.
export { select, onRecv, onSend, onDefault } from './select.js';
export type { SelectCase, SelectResult } from './select.js';

// Select sources: receives from outside shared memory (a remote channel) as select cases.
export { selectSource, isSelectable } from './source.js';
export type { SelectSource, SelectWaiter, Selectable } from './source.js';

// Timers.
export { after, tick, setClock, currentClock, realClock } from './time.js';
export type { Clock, Ticker } from './time.js';

// Codecs.
export { codecs } from './codec.js';
export type { Codec } from './codec.js';

// Errors.
export { ClosedChannelError } from './errors.js';
export { toShared, fromShared } from '@gocsp/core';

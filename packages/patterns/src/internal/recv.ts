/**
 * Channels to receive from that are not local Channels: anything that is a
 * select source (@gocsp/channels' source.ts) with `recvOk` and `for await` -
 * @gocsp/nats' RemoteChannel is one. The receiving helpers (`merge`,
 * `collect`, `fromChannel`, a pipeline's source) take them beside Channels:
 * a local Channel keeps its non-blocking fast path (`tryRecv`), the others
 * are received through `select` (so a context's `done` still stops the
 * wait) or `recvOk` with an AbortSignal.
 */
import { Channel, isSelectable, type Selectable } from '@gocsp/channels';
import { errors } from '../errors.js';

/** A channel-like receive end that is not a local Channel (e.g. a remote channel). */
export interface RecvChannel<T> extends Selectable<T> {
  recvOk(opts?: { signal?: AbortSignal }): Promise<[T, true] | [undefined, false]>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** What the receiving helpers accept. */
export type Receivable<T> = Channel<T> | RecvChannel<T>;

/** True for a receive end that is not a local Channel. */
export function isRecvChannel(v: unknown): v is RecvChannel<unknown> {
  return (
    !(v instanceof Channel) &&
    isSelectable(v) &&
    typeof (v as Partial<RecvChannel<unknown>>).recvOk === 'function'
  );
}

/** Throws unless `ch` is a Channel or a RecvChannel. */
export function checkReceivable(what: string, ch: unknown): asserts ch is Receivable<unknown> {
  if (!(ch instanceof Channel) && !isRecvChannel(ch)) throw errors.notChannel(what, ch);
}

/**
 * Errors of @gocsp/channels. Go panics on these misuses; gocsp throws.
 */
import { GocspError } from '@gocsp/core';
import * as substrate from '@gocsp/core/internal';

/**
 * A send on a closed channel (also for senders already blocked when the
 * channel is closed), or a close of a closed channel. The message is Go's.
 *
 * @example
 * ```ts
 * try { await ch.send(1); } catch (e) { if (e instanceof ClosedChannelError) stop(); }
 * ```
 */
export class ClosedChannelError extends GocspError {
  override name = 'ClosedChannelError';
}

// Arrives as a ClosedChannelError when it crosses threads (a goroutine's panic, a spawn's rejection).
substrate.registerErrorClass(ClosedChannelError);

export const errors = {
  sendOnClosed: () => new ClosedChannelError('send on closed channel'),
  closeOfClosed: () => new ClosedChannelError('close of closed channel'),
  badCapacity: (c: unknown) =>
    new RangeError(`channel capacity must be an integer from 0 to 2^24, got ${substrate.shown(c)}`),
  tooLarge: (n: number, max: number) =>
    new TypeError(
      `cannot send a value of ${n} bytes on a channel: the limit is ${max} bytes (an eighth of gocsp's shared heap); raise the heap with GOCSP_MAX_MEMORY=<MiB> before gocsp starts, or send the data in parts`,
    ),
  badSlotBytes: (c: unknown) =>
    new RangeError(`slotBytes must be an integer from 4 to 65536, got ${substrate.shown(c)}`),
} as const;

/** A rejected promise carrying `e` exactly as thrown (a user codec may throw anything). */
export function rejected(e: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass errors through untouched
  return Promise.reject(e);
}

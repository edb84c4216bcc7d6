/**
 * Promotion: a local channel (local.ts) moves into shared memory for good,
 * the first time another thread could see it or an operation needs the
 * shared side (select, the `*Sync` forms). Its buffer goes into the new
 * ring in order, its closed state with it, and its waiting operations become
 * shared waiters that settle the same promises, FIFO per side.
 *
 * The new block is seen by no other thread until promotion returns (the
 * channel is only handed to another thread afterwards), so the ring is filled
 * with plain stores and the queues without contention; LOCK is still taken
 * for the queues, as everywhere.
 */
import * as substrate from '@gocsp/core/internal';
import type { Codec } from '../../codec.js';
import { ArrayChan } from './array.js';
import { L_RECV, L_SEND, type LocalChan, type LocalOp } from './local.js';
import { createShared } from './open.js';
import {
  OP_RECV,
  OP_RECV_OK,
  OP_SEND,
  WR_CHAN_RECV,
  WR_CHAN_SEND,
  adoptOp,
  type SharedChan,
} from './shared.js';

/** Moves `l` into a new shared channel (the caller holds its one reference). */
export function promote<T>(
  l: LocalChan,
  codec: Codec<T>,
  codecId: number,
  slotBytes: number,
): SharedChan<T> {
  const world = substrate.defaultWorld();
  const sh = createShared(world, l.cap, codec, codecId, slotBytes);
  const buffered = [...l.buf.drain()].map((item) => l.bytesOf(item));
  if (buffered.length > 0) (sh as unknown as ArrayChan<T>).fillFresh(buffered);
  if (l.closed) sh.close(); // (a closed local channel has no waiters left)
  const moved: [LocalOp, number][] = [];
  sh.lock();
  try {
    for (const op of l.recvq.drain()) {
      const node = sh.newNode(false);
      sh.enqueue(false, node);
      moved.push([op, node]);
    }
    for (const op of l.sendq.drain()) {
      const node = sh.nodeWith(false, sh.carrier.bytesToNode(l.bytesOf(op.item)));
      sh.enqueue(true, node);
      moved.push([op, node]);
    }
  } finally {
    sh.unlock();
  }
  // The local waits become shared ones, settling the same promises.
  for (const [op, node] of moved) {
    op.done();
    const kind = op.kind === L_SEND ? OP_SEND : op.kind === L_RECV ? OP_RECV : OP_RECV_OK;
    const reason = kind === OP_SEND ? WR_CHAN_SEND : WR_CHAN_RECV;
    // The dump's record (its goroutine, its sample) moves with the wait.
    substrate.carryWait(op, undefined); // the object: the op's owner, the channel
    adoptOp(sh, node, kind, op.signal, reason, op.resolve);
  }
  return sh;
}

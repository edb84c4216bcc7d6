/**
 * The channel in shared memory (Go's hchan, runtime/chan.go): one block of
 * the world heap holding the state, the two wait queues and the ring buffer.
 * Buffered and unbuffered channels share this code, as in Go: an unbuffered
 * channel is one whose ring has no slots.
 *
 * ## Layout (Int32 words of the channel's block data)
 *
 * | word | name | meaning | protected by |
 * | --- | --- | --- | --- |
 * | 0 | LOCK | internal lock (core ilock) | itself |
 * | 1 | CAP | capacity (ring slots) | immutable |
 * | 2 | LEN | values in the ring | LOCK; read racily by `len` |
 * | 3 | HEAD | ring index of the oldest value | LOCK |
 * | 4 | CLOSED | 1 once closed | LOCK; read racily by fast checks |
 * | 5 | SLOT_WORDS | words per ring slot (1 + inline payload) | immutable |
 * | 6..7 | RECVQ | blocked receivers (core WaitQueue) | LOCK |
 * | 8..9 | SENDQ | blocked senders | LOCK |
 * | 10 | CODEC | id of the channel's codec (channel.ts), -1 if unregistered | immutable |
 * | 16.. | ring | CAP slots of SLOT_WORDS words | LOCK |
 *
 * Ring slot: word 0 = byte length when the value is inline (>= 0), or -1
 * when it is out of line, with word 1 = the value block's address
 * (values.ts). Inline capacity is (SLOT_WORDS - 1) * 4 bytes.
 *
 * Waiter nodes (core world.ts) carry, in their payload words:
 *
 * | word | receiver node | sender node |
 * | --- | --- | --- |
 * | N_A | value block handed to it (set by the sender) | its value block |
 * | N_B | 1 = got a value, 0 = woken by close | 0 = delivered, 1 = woken by close |
 * | N_C | select group block, 0 if not in a select | same |
 * | N_D | case index within the select | same |
 *
 * ## Invariants (Go's)
 * - At least one of RECVQ and SENDQ is empty, except that a select may sit
 *   in both (as a sender on one case, a receiver on another).
 * - RECVQ non-empty implies LEN == 0; SENDQ non-empty implies LEN == CAP.
 * - Values leave the ring in FIFO order; blocked senders and receivers are
 *   served in FIFO order.
 * - A select's nodes are claimed with one CAS on its group word (0 -> case
 *   index + 1); a waker that loses the CAS skips the node and leaves it to
 *   the select's owner, who takes its other nodes out afterwards.
 *
 * Lock order: a channel's LOCK, then core's heap lock (allocation) -- never
 * the reverse. Several channels (select): in increasing address order.
 */
import * as substrate from '@gocsp/core/internal';
import { copyIn, copyOut, storeValue, takeValue } from './values.js';

type World = substrate.World;

export const LOCK = 0;
export const CAP = 1;
export const LEN = 2;
export const HEAD = 3;
export const CLOSED = 4;
export const SLOT_WORDS = 5;
export const RECVQ = 6;
export const SENDQ = 8;
export const CODEC = 10;
export const RING = 16;
/** trySendLocked: no receiver and no room. */
export const FULL = -2;

const { N_A, N_B, N_C, N_D } = substrate;

/** Words a channel of `cap` slots of `slotBytes` inline bytes needs. */
export function channelWords(cap: number, slotBytes: number): number {
  return RING + cap * (1 + Math.ceil(slotBytes / 4));
}

/** Initializes fresh channel words. */
export function initChannel(
  i32: Int32Array,
  cap: number,
  slotBytes: number,
  codecId: number,
): void {
  i32[CAP] = cap;
  i32[SLOT_WORDS] = 1 + Math.ceil(slotBytes / 4);
  i32[CODEC] = codecId;
}

/** Shared-memory side of one channel, as seen from one thread. */
export class HChan {
  readonly recvq: substrate.WaitQueue;
  readonly sendq: substrate.WaitQueue;
  /** Absolute word index of the ring in the world buffer. */
  private readonly ringBase: number;

  /** The channel whose block is at `ref`, its size read from its own words. */
  static open(world: World, ref: number): HChan {
    const byteOffset = (ref + substrate.OBJ_HEADER) * 4;
    const head = new Int32Array(world.sab, byteOffset, RING);
    const words = RING + head[CAP]! * head[SLOT_WORDS]!;
    return new HChan(world, new Int32Array(world.sab, byteOffset, words), ref);
  }

  constructor(
    readonly world: World,
    readonly i32: Int32Array,
    readonly ref: number,
  ) {
    this.recvq = new substrate.WaitQueue(world, i32, RECVQ);
    this.sendq = new substrate.WaitQueue(world, i32, SENDQ);
    this.ringBase = i32.byteOffset / 4 + RING;
  }

  lock(): void {
    substrate.ilock(this.world, this.i32, LOCK);
  }

  unlock(): void {
    substrate.iunlock(this.i32, LOCK);
  }

  /**
   * Pops the first waiter of `q` that can be claimed: a plain node, or a
   * select node whose group this call wins. -1 if none. LOCK held.
   */
  popWaiter(q: substrate.WaitQueue): number {
    const w = this.world.i32;
    for (;;) {
      const node = q.popLive();
      if (node < 0) return -1;
      const group = w[node + N_C]!;
      if (group === 0) return node;
      if (Atomics.compareExchange(w, group, 0, w[node + N_D]! + 1) === 0) return node;
      // A stale select node (another case of that select fired): its owner cleans it up.
    }
  }

  /**
   * Hands a value block to a claimed receiver node (LOCK held); wake it after
   * unlocking. The block is allocated *before* the receiver is claimed, so an
   * allocation failure can never leave a claimed receiver without its value.
   */
  handToReceiver(node: number, v: number): void {
    const w = this.world.i32;
    w[node + N_A] = v;
    w[node + N_B] = 1;
    substrate.markWoken(this.world, node);
  }

  /**
   * The send step every sender shares (LOCK held, channel open): hand the
   * value to a waiting receiver, or append it to the ring. Returns the woken
   * receiver node, -1 if the value went into the ring, or FULL (nothing
   * done). May throw only before anything changed (heap full).
   */
  trySendLocked(bytes: Uint8Array): number {
    if (!this.recvq.empty) {
      const v = storeValue(this.world, bytes);
      const r = this.popWaiter(this.recvq);
      if (r >= 0) {
        this.handToReceiver(r, v);
        return r;
      }
      // Every queued receiver was stale or dead: the value goes on as if none waited.
      if (this.i32[LEN]! < this.i32[CAP]!) {
        this.pushRingBlock(v);
        return -1;
      }
      takeValue(this.world, v);
      return FULL;
    }
    if (this.i32[LEN]! < this.i32[CAP]!) {
      this.pushRing(bytes);
      return -1;
    }
    return FULL;
  }

  /** The sender node the last `tryRecvLocked` claimed (wake it after unlocking), or -1. */
  woken = -1;

  /**
   * The receive step every receiver shares (LOCK held): take a blocked
   * sender's value (a blocked sender means the buffer is full, or there is
   * none: take the oldest value and move the sender's in behind it), else the
   * oldest buffered value. Returns the bytes, null if closed and drained, or
   * undefined if it would block. Sets `woken`.
   */
  tryRecvLocked(): Uint8Array | null | undefined {
    const w = this.world.i32;
    const s = this.popWaiter(this.sendq);
    this.woken = s;
    if (s >= 0) {
      let bytes: Uint8Array;
      if (this.i32[CAP] === 0) bytes = takeValue(this.world, w[s + N_A]!);
      else {
        bytes = this.shiftRing();
        this.pushRingBlock(w[s + N_A]!);
      }
      w[s + N_B] = 0;
      substrate.markWoken(this.world, s);
      return bytes;
    }
    if (this.i32[LEN]! > 0) return this.shiftRing();
    if (this.i32[CLOSED] !== 0) return null;
    return undefined;
  }

  /**
   * Word fast path (int32 / float64 codecs): appends a value of one or two
   * words at the tail without encoding it (LOCK held). False, nothing done,
   * unless the ring has room, no receiver waits and the value fits inline.
   */
  pushWords(lo: number, hi: number, words: 1 | 2): boolean {
    const i32 = this.i32;
    const len = i32[LEN]!;
    const cap = i32[CAP]!;
    const sw = i32[SLOT_WORDS]!;
    if (len >= cap || sw <= words || !this.recvq.empty) return false;
    const slot = this.tailSlot();
    const w = this.world.i32;
    w[slot] = words * 4;
    w[slot + 1] = lo;
    if (words === 2) w[slot + 2] = hi;
    i32[LEN] = len + 1;
    return true;
  }

  /**
   * Fast path of the structured codec for a number (LOCK held): writes the
   * codec's own encoding (tag byte + float64 bytes, 9 bytes) into the tail
   * slot, from `src` (the number's 8 bytes). Same conditions as pushWords.
   */
  pushTagged(tag: number, src: Uint8Array): boolean {
    const i32 = this.i32;
    const len = i32[LEN]!;
    const cap = i32[CAP]!;
    const sw = i32[SLOT_WORDS]!;
    if (len >= cap || (sw - 1) * 4 < 9 || !this.recvq.empty) return false;
    const slot = this.tailSlot();
    this.world.i32[slot] = 9;
    const u8 = this.world.u8;
    const b = (slot + 1) * 4;
    u8[b] = tag;
    for (let k = 0; k < 8; k++) u8[b + 1 + k] = src[k]!;
    i32[LEN] = len + 1;
    return true;
  }

  /**
   * Word fast path of a receive (LOCK held): the oldest value's first word
   * slot index, or -1 (nothing done) unless a value is buffered inline and
   * no sender waits. The caller reads the words, then calls `dropHead`.
   */
  headWords(): number {
    const i32 = this.i32;
    if (i32[LEN] === 0 || !this.sendq.empty) return -1;
    const slot = this.ringBase + i32[HEAD]! * i32[SLOT_WORDS]!;
    return this.world.i32[slot]! >= 0 ? slot + 1 : -1;
  }

  /** Removes the oldest value after `headWords` (LOCK held). */
  dropHead(): void {
    const i32 = this.i32;
    const next = i32[HEAD]! + 1;
    i32[HEAD] = next === i32[CAP] ? 0 : next;
    i32[LEN] = i32[LEN]! - 1;
  }

  /** Appends a value at the ring's tail (LOCK held, LEN < CAP). */
  pushRing(bytes: Uint8Array): void {
    const i32 = this.i32;
    const sw = i32[SLOT_WORDS]!;
    const slot = this.tailSlot();
    const w = this.world.i32;
    const len = bytes.length;
    if (len <= (sw - 1) * 4) {
      w[slot] = len;
      copyIn(this.world.u8, (slot + 1) * 4, bytes, len);
    } else {
      w[slot] = -1;
      w[slot + 1] = storeValue(this.world, bytes);
    }
    i32[LEN] = i32[LEN]! + 1;
  }

  /** Appends a value already in a value block (moves it inline if it fits). */
  pushRingBlock(v: number): void {
    const w = this.world.i32;
    const sw = this.i32[SLOT_WORDS]!;
    if (w[v]! <= (sw - 1) * 4) {
      this.pushRing(takeValue(this.world, v));
      return;
    }
    const i32 = this.i32;
    const slot = this.tailSlot();
    w[slot] = -1;
    w[slot + 1] = v;
    i32[LEN] = i32[LEN]! + 1;
  }

  /** Word index of the slot after the last buffered value (LOCK held, LEN < CAP). */
  private tailSlot(): number {
    const i32 = this.i32;
    const cap = i32[CAP]!;
    let tail = i32[HEAD]! + i32[LEN]!;
    if (tail >= cap) tail -= cap;
    return this.ringBase + tail * i32[SLOT_WORDS]!;
  }

  /**
   * Takes every value still buffered, oldest first (used when the channel's
   * block is freed: nobody can reach it any more, so no lock is needed).
   */
  drainRing(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.i32[LEN]! > 0) out.push(this.shiftRing());
    return out;
  }

  /** Removes and returns the oldest ring value (LOCK held, LEN > 0). */
  shiftRing(): Uint8Array {
    const i32 = this.i32;
    const head = i32[HEAD]!;
    const slot = this.ringBase + head * i32[SLOT_WORDS]!;
    const w = this.world.i32;
    const len = w[slot]!;
    let out: Uint8Array;
    if (len >= 0) {
      out = copyOut(this.world.u8, (slot + 1) * 4, len);
    } else {
      out = takeValue(this.world, w[slot + 1]!);
    }
    const next = head + 1;
    i32[HEAD] = next === i32[CAP] ? 0 : next;
    i32[LEN] = i32[LEN]! - 1;
    return out;
  }
}

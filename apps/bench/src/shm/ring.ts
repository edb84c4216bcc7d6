/**
 * Layout of the benchmark SPSC ring of Int32: one producer thread, one
 * consumer thread, one SharedArrayBuffer.
 *
 * Int32 slots (each control word on its own 64-byte cache line, so the
 * producer's stores to TAIL do not evict the consumer's HEAD line):
 *
 * | index | name          | written by | meaning                                        |
 * | ----- | ------------- | ---------- | ---------------------------------------------- |
 * | 0     | HEAD          | consumer   | next index to read, free-running (wraps int32) |
 * | 16    | TAIL          | producer   | next index to write, free-running              |
 * | 32    | CONS_SLEEPING | consumer   | 1 while the consumer may be parked on TAIL     |
 * | 48    | PROD_SLEEPING | producer   | 1 while the producer may be parked on HEAD     |
 * | 64..  | DATA          | producer   | CAPACITY values; slot of index i is i & MASK   |
 *
 * Invariants: 0 <= (TAIL - HEAD) | 0 <= CAPACITY. Slots of indexes in
 * [HEAD, TAIL) belong to the consumer, the others to the producer. DATA is
 * written and read with plain accesses: the Atomics.store of TAIL (HEAD)
 * publishes them, the peer's Atomics.load of it acquires them.
 */

/** Consumer's next index to read. */
export const HEAD = 0;
/** Producer's next index to write. */
export const TAIL = 16;
/** Consumer's waiter flag (see park.ts spinThenPark). */
export const CONS_SLEEPING = 32;
/** Producer's waiter flag. */
export const PROD_SLEEPING = 48;
/** First data slot. */
export const DATA = 64;
/** Ring capacity in values; a power of two. */
export const CAPACITY = 1024;
/** `index & MASK` is the data slot of a free-running index. */
export const MASK = CAPACITY - 1;

/**
 * How a side tells its peer about progress.
 * - `flag`: publish every value, `Atomics.notify` only if the peer's sleeping
 *   flag is set (both directions).
 * - `per-message`: the producer publishes and notifies on every value; the
 *   consumer frees room as in `flag`. What a naive channel send does.
 * - `per-message-both`: both sides publish and notify on every value.
 * - `batch64`: publish every 64 values (and before parking, and at the end),
 *   notify only if the peer's sleeping flag is set.
 */
export type RingMode = 'flag' | 'per-message' | 'per-message-both' | 'batch64';

/** What the ring workers receive as `workerData`. */
export interface RingWorkerData {
  readonly role: 'producer' | 'consumer';
  readonly mode: RingMode;
  readonly sab: SharedArrayBuffer;
  readonly spins: number;
  /** cpuRelax iterations between spinning loads (0: back to back). */
  readonly pause: number;
}

/** Allocates a zeroed ring. */
export function allocRing(): SharedArrayBuffer {
  return new SharedArrayBuffer((DATA + CAPACITY) * Int32Array.BYTES_PER_ELEMENT);
}

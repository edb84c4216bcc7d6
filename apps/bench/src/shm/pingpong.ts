/**
 * Layout of the ping-pong word used by the wake-latency benchmark.
 *
 * | index | name          | written by | meaning                                      |
 * | ----- | ------------- | ---------- | -------------------------------------------- |
 * | 0     | SEQ           | both       | odd: ball with the ponger; even: with pinger |
 * | 16    | PING_SLEEPING | pinger     | 1 while the pinger may be parked on SEQ      |
 * | 32    | PONG_SLEEPING | ponger     | 1 while the ponger may be parked on SEQ      |
 *
 * Invariant: SEQ only grows by one, and only the side holding the ball writes
 * it (pinger: even -> odd; ponger: odd -> even). One round trip adds 2.
 */

/** Sequence word both sides wait on. */
export const SEQ = 0;
/** Pinger's waiter flag. */
export const PING_SLEEPING = 16;
/** Ponger's waiter flag. */
export const PONG_SLEEPING = 32;

/**
 * - `park`: no spinning; the waiter goes straight into `Atomics.wait` and the
 *   other side always notifies. Pure park/wake latency.
 * - `spin`: spin a few loads first, park with a waiter flag; notify only if set.
 */
export type PingPongMode = 'park' | 'spin';

/** What the ping-pong workers receive as `workerData`. */
export interface PingPongWorkerData {
  readonly role: 'ping' | 'pong';
  readonly mode: PingPongMode;
  readonly sab: SharedArrayBuffer;
  readonly spins: number;
  /** cpuRelax iterations between spinning loads (0: back to back). */
  readonly pause: number;
}

/** Allocates a zeroed ping-pong block. */
export function allocPingPong(): SharedArrayBuffer {
  return new SharedArrayBuffer(48 * Int32Array.BYTES_PER_ELEMENT);
}

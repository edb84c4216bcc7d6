/**
 * Layouts of two reference floors for the channel suites: the least a
 * lock-free MPMC channel (chan-stream) and an unbuffered rendezvous
 * (chan-pingpong-cross) must do, written without any channel machinery.
 *
 * ## MPMC ring (Dmitry Vyukov's bounded queue: a stamp per slot, CAS on the
 * indexes; what @gocsp/channels' array flavor does per value)
 *
 * | index | name          | written by | meaning                                              |
 * | ----- | ------------- | ---------- | ---------------------------------------------------- |
 * | 0     | M_HEAD        | consumers  | next position to read (CAS)                          |
 * | 16    | M_TAIL        | producers  | next position to write (CAS)                         |
 * | 32    | M_CONS_WAIT   | consumer   | 1 while a consumer may be parked on a slot's stamp   |
 * | 48    | M_PROD_WAIT   | producer   | 1 while a producer may be parked on a slot's stamp   |
 * | 64..  | M_RING        | both       | M_CAP slots of [stamp, value]                        |
 *
 * Positions run on (int32); slot = position & (M_CAP - 1); a slot's stamp is
 * p when free for position p, p + 1 when it holds p's value, p + M_CAP once
 * p's value was taken. Each side reads the other's waiter flag after every
 * publish / release, as a channel must to wake a parked peer.
 *
 * ## Rendezvous (two one-pair unbuffered channels, ping -> pong and back)
 *
 * | index | name         | meaning                                                            |
 * | ----- | ------------ | ------------------------------------------------------------------ |
 * | 0, 1  | R_A          | channel A: state (EMPTY, RECV_WAITS, HANDED, SEND_WAITS, TAKEN), value |
 * | 16, 17| R_B          | channel B, the same                                                |
 * | 32    | R_PING_WAIT  | 1 while the pinger may be parked                                   |
 * | 48    | R_PONG_WAIT  | 1 while the ponger may be parked                                   |
 *
 * Whichever side of a channel comes first announces itself in the state word
 * with one CAS (a receiver: RECV_WAITS; a sender: SEND_WAITS with its value);
 * the second finds it and completes the exchange with one store, as a channel
 * does, but for one pair only (no queue, FIFO, select, close or abort).
 *
 * ## Counters (the waitgroup-wake ping-pong without a WaitGroup)
 *
 * | index | name        | meaning                                                  |
 * | ----- | ----------- | -------------------------------------------------------- |
 * | 0     | C_TO_PING   | the pinger's counter: 1 armed, 0 released                |
 * | 16    | C_TO_PONG   | the ponger's counter                                     |
 * | 32    | R_PING_WAIT | 1 while the pinger may be parked (as the rendezvous)     |
 * | 48    | R_PONG_WAIT | 1 while the ponger may be parked                         |
 * | 64    | C_BALL      | the ball's sequence number (odd: ponger's, even: pinger's) |
 *
 * A side passes the ball by a CAS 1 -> 0 on the other's counter (a `done()`),
 * waits for its own counter to read 0 (a `waitSync()`), re-arms it by a CAS
 * 0 -> 1 (an `add(1)`), and checks the ball: the shared actions of the gocsp
 * WaitGroup case, and nothing else.
 */

export const M_HEAD = 0;
export const M_TAIL = 16;
export const M_CONS_WAIT = 32;
export const M_PROD_WAIT = 48;
export const M_RING = 64;
/** Slots of the MPMC ring: the channels' 1024, a power of two here. */
export const M_CAP = 1024;

export const R_A = 0;
export const R_B = 16;
export const R_PING_WAIT = 32;
export const R_PONG_WAIT = 48;
export const EMPTY = 0;
export const RECV_WAITS = 1;
export const HANDED = 2;
export const SEND_WAITS = 3;
export const TAKEN = 4;

export const C_TO_PING = 0;
export const C_TO_PONG = 16;
export const C_BALL = 64;

/** What the floor workers receive as `workerData`. */
export interface FloorWorkerData {
  readonly kind: 'mpmc' | 'rendezvous' | 'counters';
  readonly role: 'producer' | 'consumer' | 'ping' | 'pong';
  readonly sab: SharedArrayBuffer;
  readonly spins: number;
  readonly pause: number;
}

/** A zeroed MPMC ring with every slot free for its first position. */
export function allocMpmc(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer((M_RING + 2 * M_CAP) * 4);
  const i32 = new Int32Array(sab);
  for (let i = 0; i < M_CAP; i++) i32[M_RING + 2 * i] = i;
  return sab;
}

/** Two counters armed at 1 and a ball at 0. */
export function allocCounters(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(80 * 4);
  const i32 = new Int32Array(sab);
  i32[C_TO_PING] = 1;
  i32[C_TO_PONG] = 1;
  return sab;
}

/** A zeroed pair of rendezvous channels. */
export function allocRendezvous(): SharedArrayBuffer {
  return new SharedArrayBuffer(64 * 4);
}

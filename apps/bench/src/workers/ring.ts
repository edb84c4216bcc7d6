/**
 * SPSC SharedArrayBuffer ring worker: `workerData.role` is `producer` or
 * `consumer` (layout and modes in ../shm/ring.ts). Each `run n` moves n more
 * values; values are consecutive integers across runs, and the consumer
 * returns their sum so the main thread can check none was lost or duplicated.
 */
import { workerData } from 'node:worker_threads';
import { serveRuns } from '../lib/serve.js';
import { spinThenPark } from '../shm/park.js';
import {
  CAPACITY,
  CONS_SLEEPING,
  DATA,
  HEAD,
  MASK,
  PROD_SLEEPING,
  TAIL,
  type RingWorkerData,
} from '../shm/ring.js';

const { role, mode, sab, spins, pause } = workerData as RingWorkerData;
const i32 = new Int32Array(sab);
const notifyConsumerAlways = mode === 'per-message' || mode === 'per-message-both';
const notifyProducerAlways = mode === 'per-message-both';
// Publish when (index & publishMask) === 0: every value, or every 64th.
const publishMask = mode === 'batch64' ? 63 : 0;

/** Next value the producer sends (values run on across `run` commands). */
let sent = 0;
/** Values the consumer has received. */
let received = 0;

function publishTail(tail: number): void {
  Atomics.store(i32, TAIL, tail);
  if (notifyConsumerAlways || Atomics.load(i32, CONS_SLEEPING) !== 0) Atomics.notify(i32, TAIL, 1);
}

function publishHead(head: number): void {
  Atomics.store(i32, HEAD, head);
  if (notifyProducerAlways || Atomics.load(i32, PROD_SLEEPING) !== 0) Atomics.notify(i32, HEAD, 1);
}

function produce(n: number): Record<string, unknown> {
  let tail = Atomics.load(i32, TAIL);
  let head = Atomics.load(i32, HEAD); // cached; refreshed only when the ring looks full
  let published = tail;
  let value = sent; // a local: module-level lets are context slots, slower in the hot loop
  for (let i = 0; i < n; i++) {
    if (((tail - head) | 0) === CAPACITY) {
      if (published !== tail) publishTail((published = tail)); // the consumer may be waiting for these
      head = Atomics.load(i32, HEAD);
      if (((tail - head) | 0) === CAPACITY) {
        head = spinThenPark(
          i32,
          HEAD,
          head,
          PROD_SLEEPING,
          spins,
          pause,
          'ring producer (ring full)',
        );
      }
    }
    i32[DATA + (tail & MASK)] = value++;
    tail = (tail + 1) | 0;
    if ((tail & publishMask) === 0) publishTail((published = tail));
  }
  if (published !== tail) publishTail(tail);
  sent = value;
  return {};
}

function consume(n: number): Record<string, unknown> {
  let head = Atomics.load(i32, HEAD);
  let tail = Atomics.load(i32, TAIL); // cached; refreshed only when the ring looks empty
  let released = head;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (head === tail) {
      if (released !== head) publishHead((released = head)); // the producer may be waiting for room
      tail = Atomics.load(i32, TAIL);
      if (head === tail)
        tail = spinThenPark(
          i32,
          TAIL,
          tail,
          CONS_SLEEPING,
          spins,
          pause,
          'ring consumer (ring empty)',
        );
    }
    sum += i32[DATA + (head & MASK)]!;
    head = (head + 1) | 0;
    if ((head & publishMask) === 0) publishHead((released = head));
  }
  if (released !== head) publishHead(head);
  received += n;
  return { sum, received };
}

serveRuns(`ring ${role}`, role === 'producer' ? produce : consume);

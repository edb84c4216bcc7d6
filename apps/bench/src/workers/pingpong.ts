/**
 * Ping-pong worker for the wake-latency benchmark: `workerData.role` is
 * `ping` or `pong` (layout and modes in ../shm/pingpong.ts). One round trip:
 * the pinger makes SEQ odd and waits for it to become even again; the ponger
 * waits for odd and makes it even.
 */
import { workerData } from 'node:worker_threads';
import { serveRuns } from '../lib/serve.js';
import { parkWhileEqual, spinThenPark } from '../shm/park.js';
import { PING_SLEEPING, PONG_SLEEPING, SEQ, type PingPongWorkerData } from '../shm/pingpong.js';

const { role, mode, sab, spins, pause } = workerData as PingPongWorkerData;
const i32 = new Int32Array(sab);
const park = mode === 'park';
const myFlag = role === 'ping' ? PING_SLEEPING : PONG_SLEEPING;
const peerFlag = role === 'ping' ? PONG_SLEEPING : PING_SLEEPING;
const what = `ping-pong ${role}`;

/** Last value this side wrote to SEQ (both start from 0). */
let last = 0;

function handOver(seq: number): void {
  Atomics.store(i32, SEQ, seq);
  if (park || Atomics.load(i32, peerFlag) !== 0) Atomics.notify(i32, SEQ, 1);
}

function awaitChange(from: number): number {
  return park
    ? parkWhileEqual(i32, SEQ, from, what)
    : spinThenPark(i32, SEQ, from, myFlag, spins, pause, what);
}

function ping(n: number): Record<string, unknown> {
  for (let i = 0; i < n; i++) {
    handOver(++last); // odd: ball to the ponger
    const v = awaitChange(last);
    if (v !== last + 1) throw new Error(`${what}: SEQ is ${v}, expected ${last + 1}`);
    last = v;
  }
  return { seq: last };
}

function pong(n: number): Record<string, unknown> {
  for (let i = 0; i < n; i++) {
    const v = awaitChange(last);
    if (v !== last + 1) throw new Error(`${what}: SEQ is ${v}, expected ${last + 1}`);
    handOver((last = v + 1)); // even: ball back to the pinger
  }
  return { seq: last };
}

serveRuns(what, role === 'ping' ? ping : pong);

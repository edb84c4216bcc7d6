/**
 * Reference floors of the channel suites (layouts in ../shm/floors.ts): a
 * Vyukov MPMC ring of Int32 (roles producer / consumer) and a minimal
 * one-pair rendezvous ping-pong (roles ping / pong), and the waitgroup-wake
 * ping-pong on two bare counters (kind counters, roles ping / pong). They wait as the raw
 * ring does: `spins` polls with cpuRelax(`pause`) between them, then a waiter
 * flag and Atomics.wait; the other side notifies only a flagged waiter.
 */
import { workerData } from 'node:worker_threads';
import { serveRuns } from '../lib/serve.js';
import { spinThenPark } from '../shm/park.js';
import {
  C_BALL,
  C_TO_PING,
  C_TO_PONG,
  EMPTY,
  HANDED,
  M_CAP,
  M_CONS_WAIT,
  M_HEAD,
  M_PROD_WAIT,
  M_RING,
  M_TAIL,
  RECV_WAITS,
  R_A,
  R_B,
  R_PING_WAIT,
  R_PONG_WAIT,
  SEND_WAITS,
  TAKEN,
  type FloorWorkerData,
} from '../shm/floors.js';

const { kind, role, sab, spins, pause } = workerData as FloorWorkerData;
const w = new Int32Array(sab);
const what = `floor ${kind} ${role}`;
const slotOf = (p: number): number => M_RING + 2 * (p & (M_CAP - 1));

/** Values across runs: the producer's next, the consumer's count. */
let next = 0;

function produce(n: number): Record<string, unknown> {
  let v = next;
  for (let i = 0; i < n; i++) {
    for (;;) {
      const tail = w[M_TAIL]!;
      const slot = slotOf(tail);
      const stamp = Atomics.load(w, slot);
      if (stamp === tail) {
        if (Atomics.compareExchange(w, M_TAIL, tail, (tail + 1) | 0) !== tail) continue;
        w[slot + 1] = v++;
        Atomics.store(w, slot, (tail + 1) | 0);
        if (Atomics.load(w, M_CONS_WAIT) !== 0) Atomics.notify(w, slot);
        break;
      }
      spinThenPark(w, slot, stamp, M_PROD_WAIT, spins, pause, what);
    }
  }
  next = v;
  return {};
}

function consume(n: number): Record<string, unknown> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (;;) {
      const head = w[M_HEAD]!;
      const slot = slotOf(head);
      const stamp = Atomics.load(w, slot);
      if (stamp === ((head + 1) | 0)) {
        if (Atomics.compareExchange(w, M_HEAD, head, (head + 1) | 0) !== head) continue;
        sum += w[slot + 1]!;
        Atomics.store(w, slot, (head + M_CAP) | 0);
        if (Atomics.load(w, M_PROD_WAIT) !== 0) Atomics.notify(w, slot);
        break;
      }
      spinThenPark(w, slot, stamp, M_CONS_WAIT, spins, pause, what);
    }
  }
  next += n;
  return { sum, received: next };
}

const myWait = role === 'ping' ? R_PING_WAIT : R_PONG_WAIT;
const peerWait = role === 'ping' ? R_PONG_WAIT : R_PING_WAIT;

/** Sets channel `ch`'s state to `s` and wakes the peer if it sleeps. */
function set(ch: number, s: number): void {
  Atomics.store(w, ch, s);
  if (Atomics.load(w, peerWait) !== 0) Atomics.notify(w, ch);
}

/** Waits until channel `ch`'s state is `want`. */
function until(ch: number, want: number): void {
  for (let s = Atomics.load(w, ch); s !== want; s = Atomics.load(w, ch)) {
    spinThenPark(w, ch, s, myWait, spins, pause, what);
  }
}

function send(ch: number, v: number): void {
  if (Atomics.load(w, ch) === RECV_WAITS) {
    w[ch + 1] = v;
    set(ch, HANDED);
    return;
  }
  w[ch + 1] = v;
  if (Atomics.compareExchange(w, ch, EMPTY, SEND_WAITS) === EMPTY) {
    if (Atomics.load(w, peerWait) !== 0) Atomics.notify(w, ch);
    until(ch, TAKEN);
    Atomics.store(w, ch, EMPTY);
    return;
  }
  until(ch, RECV_WAITS); // the receiver came first after all
  w[ch + 1] = v;
  set(ch, HANDED);
}

function recv(ch: number): number {
  if (Atomics.load(w, ch) === SEND_WAITS) {
    const v = w[ch + 1]!;
    set(ch, TAKEN);
    return v;
  }
  if (Atomics.compareExchange(w, ch, EMPTY, RECV_WAITS) !== EMPTY) {
    until(ch, SEND_WAITS);
    const v = w[ch + 1]!;
    set(ch, TAKEN);
    return v;
  }
  if (Atomics.load(w, peerWait) !== 0) Atomics.notify(w, ch);
  until(ch, HANDED);
  const v = w[ch + 1]!;
  Atomics.store(w, ch, EMPTY);
  return v;
}

function ping(n: number): Record<string, unknown> {
  let v = next;
  for (let i = 0; i < n; i++) {
    send(R_A, v);
    const got = recv(R_B);
    if (got !== v) throw new Error(`${what}: sent ${v}, got ${got} back`);
    v++;
  }
  next = v;
  return { trips: v };
}

function pong(n: number): Record<string, unknown> {
  let v = next;
  for (let i = 0; i < n; i++) {
    const got = recv(R_A);
    if (got !== v) throw new Error(`${what}: expected ${v}, got ${got}`);
    send(R_B, got);
    v++;
  }
  next = v;
  return { trips: v };
}

// ---- counters: a done() is a CAS 1 -> 0, a waitSync() polls for 0, an add(1) a CAS 0 -> 1

/** done() on the peer's counter: CAS 1 -> 0, then wake the peer if it sleeps. */
function release(counter: number): void {
  const seen = Atomics.compareExchange(w, counter, 1, 0);
  if (seen !== 1) throw new Error(`${what}: counter was ${seen}, expected 1`);
  if (Atomics.load(w, peerWait) !== 0) Atomics.notify(w, counter);
}

/** waitSync() on our counter, then add(1). */
function waitAndRearm(counter: number): void {
  until(counter, 0);
  if (Atomics.compareExchange(w, counter, 0, 1) !== 0) throw new Error(`${what}: re-arm raced`);
}

function expectBall(expected: number): void {
  const v = Atomics.load(w, C_BALL);
  if (v !== expected) throw new Error(`${what}: ball is ${v}, expected ${expected}`);
}

function counterPing(n: number): Record<string, unknown> {
  let mine = next;
  for (let i = 0; i < n; i++) {
    Atomics.store(w, C_BALL, ++mine);
    release(C_TO_PONG);
    waitAndRearm(C_TO_PING);
    expectBall(++mine);
  }
  next = mine;
  return { seq: mine };
}

function counterPong(n: number): Record<string, unknown> {
  let mine = next;
  for (let i = 0; i < n; i++) {
    waitAndRearm(C_TO_PONG);
    expectBall(mine + 1);
    mine += 2;
    Atomics.store(w, C_BALL, mine);
    release(C_TO_PING);
  }
  next = mine;
  return { seq: mine };
}

type Run = (n: number) => Record<string, unknown>;
const RUNS: Partial<Record<FloorWorkerData['role'], Run>> =
  kind === 'counters'
    ? { ping: counterPing, pong: counterPong }
    : { producer: produce, consumer: consume, ping, pong };
serveRuns(what, RUNS[role]!);

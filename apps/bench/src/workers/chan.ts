/**
 * Channel benchmark worker: streams values through a gocsp channel (roles
 * `producer` / `consumer`) or plays one side of an unbuffered ping-pong over
 * two channels (roles `ping` / `pong`), with the blocking `*Sync` operations
 * or with `await send/recv`. Values are consecutive integers that run on
 * across `run` commands; the consumer returns their sum (of ids, for
 * objects, whose payload it checks too) so the main thread can verify that
 * nothing was lost or duplicated.
 */
import { workerData } from 'node:worker_threads';
import { fromShared, type Channel } from '@gocsp/channels';
import { serveRuns, type RunResult } from '../lib/serve.js';

/** What a stream carries: int32 numbers, or `{ id, payload }` small objects. */
export type ChanPayload = 'int32' | 'object';

/** What the channel workers receive as `workerData`, after `toShared`. */
export interface ChanWorkerData {
  readonly role: 'producer' | 'consumer' | 'ping' | 'pong';
  readonly payload: ChanPayload;
  /**
   * `sync`: sendSync/recvSync; `async`: await send / await recv; `batch`:
   * sendManySync / recvManySync of up to BATCH values.
   */
  readonly api: 'sync' | 'async' | 'batch';
  /** The stream's channel; for ping-pong, pinger to ponger. */
  readonly ch: Channel<unknown>;
  /** Ping-pong only: ponger to pinger. */
  readonly back?: Channel<unknown>;
}

/** The small object's payload: 100 characters, as in the postMessage suite. */
export const PAYLOAD_100 = 'x'.repeat(100);

interface Small {
  readonly id: number;
  readonly payload: string;
}

const { role, payload, api, ch, back } = fromShared<ChanWorkerData>(workerData);
const what = `chan ${role} (${payload}, ${api})`;

/** Next value to send / values received, across runs. */
let next = 0;

function closed(): never {
  throw new Error(`${what}: the channel was closed (recv gave undefined) in the middle of a run`);
}

function idOf(v: unknown): number {
  if (payload === 'int32') {
    if (typeof v !== 'number') closed();
    return v;
  }
  const o = v as Small | undefined;
  if (o === undefined) closed();
  if (o.payload !== PAYLOAD_100) throw new Error(`${what}: payload of id ${o.id} is damaged`);
  return o.id;
}

const make: (i: number) => unknown =
  payload === 'int32' ? (i) => i : (i) => ({ id: i, payload: PAYLOAD_100 });

function produceSync(n: number): RunResult {
  const c = ch;
  let v = next;
  for (let i = 0; i < n; i++) c.sendSync(make(v++));
  next = v;
  return {};
}

function consumeSync(n: number): RunResult {
  const c = ch;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += idOf(c.recvSync());
  next += n;
  return { sum, received: next };
}

async function produceAsync(n: number): Promise<Record<string, unknown>> {
  const c = ch;
  let v = next;
  for (let i = 0; i < n; i++) await c.send(make(v++));
  next = v;
  return {};
}

async function consumeAsync(n: number): Promise<Record<string, unknown>> {
  const c = ch;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += idOf(await c.recv());
  next += n;
  return { sum, received: next };
}

/** Values per sendManySync / recvManySync in the `batch` API. */
export const BATCH = 64;

function produceBatch(n: number): RunResult {
  const c = ch;
  let v = next;
  const end = v + n;
  const buf: unknown[] = [];
  while (v < end) {
    buf.length = 0;
    for (let k = 0; k < BATCH && v < end; k++) buf.push(make(v++));
    c.sendManySync(buf);
  }
  next = v;
  return {};
}

function consumeBatch(n: number): RunResult {
  const c = ch;
  let sum = 0;
  let got = 0;
  while (got < n) {
    const vs = c.recvManySync(Math.min(BATCH, n - got));
    if (vs.length === 0) closed();
    for (const v of vs) sum += idOf(v);
    got += vs.length;
  }
  next += n;
  return { sum, received: next };
}

function pingSync(n: number): RunResult {
  const out = ch;
  const inn = back!;
  let v = next;
  for (let i = 0; i < n; i++) {
    out.sendSync(v);
    const got = inn.recvSync();
    if (got !== v) throw new Error(`${what}: sent ${v}, got ${String(got)} back`);
    v++;
  }
  next = v;
  return { trips: v };
}

function pongSync(n: number): RunResult {
  const inn = ch;
  const out = back!;
  let v = next;
  for (let i = 0; i < n; i++) {
    const got = inn.recvSync();
    if (got !== v) throw new Error(`${what}: expected ${v}, got ${String(got)}`);
    out.sendSync(got);
    v++;
  }
  next = v;
  return { trips: v };
}

const RUNS = {
  producer: { sync: produceSync, async: produceAsync, batch: produceBatch },
  consumer: { sync: consumeSync, async: consumeAsync, batch: consumeBatch },
  ping: { sync: pingSync, async: null, batch: null },
  pong: { sync: pongSync, async: null, batch: null },
} as const;

const run = RUNS[role][api];
if (!run) throw new Error(`${what}: no such mode`);
if ((role === 'ping' || role === 'pong') && !back) throw new Error(`${what}: no back channel`);
serveRuns(what, run);

/**
 * Mutex benchmark worker: each `run n` does n lock / `CELL++` / unlock
 * sections with the gocsp Mutex (`lockSync`) or a raw Atomics lock (layout and
 * locks in ../shm/locks.ts), and replies with CELL as it saw it after its
 * last section. With `selfTimed` it also times its loop (`ms`), for the
 * uncontended figures measured in nanoseconds.
 */
import { workerData } from 'node:worker_threads';
import { fromShared, type Mutex } from '@gocsp/sync';
import { serveRuns } from '../lib/serve.js';
import {
  casLockUncontended,
  casUnlock,
  CELL,
  futexLock,
  futexUnlock,
  type MutexWorkerData,
} from '../shm/locks.js';

const data = fromShared<MutexWorkerData>(workerData);
const { mode, selfTimed, spins, pause } = data;
const i32 = new Int32Array(data.block);
const what = `mutex worker (${mode})`;

// One loop per mode, so each stays monomorphic.
function gocspLoop(n: number): void {
  const mu = data.mu as Mutex;
  const a = i32;
  for (let i = 0; i < n; i++) {
    mu.lockSync();
    a[CELL] = a[CELL]! + 1;
    mu.unlock();
  }
}

function casLoop(n: number): void {
  const a = i32;
  for (let i = 0; i < n; i++) {
    casLockUncontended(a);
    a[CELL] = a[CELL]! + 1;
    casUnlock(a);
  }
}

function futexLoop(n: number): void {
  const a = i32;
  const s = spins;
  const p = pause;
  for (let i = 0; i < n; i++) {
    futexLock(a, s, p);
    a[CELL] = a[CELL]! + 1;
    futexUnlock(a);
  }
}

const loop = mode === 'gocsp' ? gocspLoop : mode === 'cas' ? casLoop : futexLoop;
if (mode === 'gocsp' && data.mu === undefined) throw new Error(`${what}: no mutex in workerData`);

serveRuns(what, (n) => {
  const t0 = selfTimed ? performance.now() : 0;
  loop(n);
  const ms = selfTimed ? performance.now() - t0 : 0;
  return { ms, cell: Atomics.load(i32, CELL) };
});

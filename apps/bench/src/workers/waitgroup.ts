/**
 * WaitGroup ping-pong worker for the waitgroup-wake benchmark; `role` is
 * `ping` or `pong`. Two WaitGroups, each armed at 1 by the main thread:
 * the pinger waits on `toPing`, the ponger on `toPong`, and each passes the
 * ball by calling `done()` on the other's group.
 *
 * Re-arming is race-free because each side re-arms its *own* group
 * (`add(1)`) right after its `waitSync()` returned and before it passes the
 * ball: the peer can only call `done()` on that group again after receiving
 * the ball, i.e. after the re-arm. So every `done()` finds the counter at 1.
 *
 * A shared ball word (odd: with the ponger, even: with the pinger; written
 * with Atomics before `done()`) checks that no `waitSync()` returned early.
 */
import { workerData } from 'node:worker_threads';
import { fromShared, type WaitGroup } from '@gocsp/sync';
import { serveRuns } from '../lib/serve.js';

/** What the workers receive as `workerData`, after `toShared`. */
export interface WaitGroupWorkerData {
  readonly role: 'ping' | 'pong';
  readonly toPing: WaitGroup;
  readonly toPong: WaitGroup;
  /** Int32 word 0: the ball's sequence number. */
  readonly ball: SharedArrayBuffer;
}

const { role, toPing, toPong, ball } = fromShared<WaitGroupWorkerData>(workerData);
const seq = new Int32Array(ball);
const what = `waitgroup ${role}`;

/** Last value this side wrote to the ball (both start from 0). */
let last = 0;

function expectBall(expected: number): void {
  const v = Atomics.load(seq, 0);
  if (v !== expected) {
    throw new Error(
      `${what}: ball is ${v}, expected ${expected}; waitSync() returned before done()`,
    );
  }
}

function ping(n: number): Record<string, unknown> {
  let mine = last;
  for (let i = 0; i < n; i++) {
    Atomics.store(seq, 0, ++mine); // odd: ball to the ponger
    toPong.done();
    toPing.waitSync();
    toPing.add(1); // re-arm before the ponger can get the ball again
    expectBall(++mine);
  }
  last = mine;
  return { seq: mine };
}

function pong(n: number): Record<string, unknown> {
  let mine = last;
  for (let i = 0; i < n; i++) {
    toPong.waitSync();
    toPong.add(1);
    expectBall(mine + 1);
    mine += 2;
    Atomics.store(seq, 0, mine); // even: ball back to the pinger
    toPing.done();
  }
  last = mine;
  return { seq: mine };
}

serveRuns(what, role === 'ping' ? ping : pong);

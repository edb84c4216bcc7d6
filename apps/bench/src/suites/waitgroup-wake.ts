/**
 * WaitGroup wake-up latency: a worker blocked in `wg.waitSync()` woken by
 * `wg.done()` on another worker, as a ping-pong, against the raw
 * Atomics.wait/notify ping-pong of the wake suite.
 */
import { toShared, WaitGroup } from '@gocsp/sync';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual } from '../lib/measure.js';
import { timePingPong } from '../lib/pingpong.js';
import { withWorkers } from '../lib/threads.js';
import { SPIN_LOADS } from '../shm/park.js';
import type { WaitGroupWorkerData } from '../workers/waitgroup.js';
import { counterPingPongCase } from './floors.js';
import { pingPongCase, WAKE_CASES } from './wake.js';

/** A case doing `n` WaitGroup round trips between two fresh workers. */
function waitGroupPingPongCase(o: {
  name: string;
  n: number;
  quickN: number;
  goal?: string;
  note?: string;
}): BenchCase {
  return {
    name: o.name,
    n: o.n,
    quickN: o.quickN,
    ...(o.goal !== undefined && { goal: o.goal }),
    ...(o.note !== undefined && { note: o.note }),
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const toPing = new WaitGroup();
        const toPong = new WaitGroup();
        toPing.add(1);
        toPong.add(1);
        const ball = new SharedArrayBuffer(16 * Int32Array.BYTES_PER_ELEMENT);
        const url = new URL('./workers/waitgroup.js', import.meta.url);
        const data = (role: WaitGroupWorkerData['role']) =>
          toShared<WaitGroupWorkerData>({ role, toPing, toPong, ball });
        return timePingPong({
          spawn,
          url,
          n,
          label: (role) => `waitgroup ${role}`,
          data,
          check: (donePing, donePong, trips) => {
            expectEqual('waitgroup ping: ball', donePing.seq, 2 * trips);
            expectEqual('waitgroup pong: ball', donePong.seq, 2 * trips);
            expectEqual('toPing counter after the pass (re-armed)', toPing.count, 1);
            expectEqual('toPong counter after the pass (re-armed)', toPong.count, 1);
          },
        });
      }),
  };
}

/** The WaitGroup wake-latency suite. */
export function waitGroupWakeSuite(): BenchSuite {
  return {
    name: 'waitgroup-wake',
    title: 'WaitGroup wake-up round trip, worker to worker',
    description:
      'Two workers pass a ball N times. gocsp: two WaitGroups armed at 1; a side blocks in ' +
      "`waitSync()` on its own group and passes the ball with `done()` on the other's, re-arming its own " +
      'group with `add(1)` after each wake-up and before passing the ball (so every `done()` finds the ' +
      'counter at 1: race-free); a ball word checks that no wait returned early. The raw cases are the ' +
      "wake suite's Atomics.wait/notify ping-pong; since gocsp spins before it parks, the fair baseline is " +
      'the raw ping-pong that spins (paused polls) before parking. The raw counter case does the gocsp ' +
      "case's shared actions on two bare Int32 counters (a floor for any WaitGroup here). Microseconds per round trip, timed by " +
      'the main thread after a warm-up pass of N/10.',
    metric: { kind: 'latency', unit: 'us', per: 'round trip' },
    cases: [
      pingPongCase({
        name: WAKE_CASES.spin,
        mode: 'spin',
        spins: SPIN_LOADS,
        pause: 100,
        n: 1_000_000,
        quickN: 50_000,
        baseline: true,
        note: `raw: ${SPIN_LOADS} polls with cpuRelax(100) between them, then waiter flag and Atomics.wait; notify only a flagged peer`,
      }),
      pingPongCase({
        name: WAKE_CASES.park,
        mode: 'park',
        n: 6_000,
        quickN: 400,
        note: 'raw: the waiter parks at once, the other side always notifies (pure park/wake, for scale)',
      }),
      counterPingPongCase(),
      waitGroupPingPongCase({
        name: 'gocsp WaitGroup ping-pong (waitSync / done)',
        n: 200_000,
        quickN: 10_000,
        goal: '<= 1.2x baseline',
        note: 'toPong.done(); toPing.waitSync(); toPing.add(1) against toPong.waitSync(); toPong.add(1); toPing.done()',
      }),
    ],
  };
}

/**
 * Unbuffered channel ping-pong between two workers, against the raw
 * Atomics.wait/notify ping-pong of the wake suite.
 */
import { chan, codecs, toShared, type Channel } from '@gocsp/channels';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual } from '../lib/measure.js';
import { timePingPong } from '../lib/pingpong.js';
import { withWorkers } from '../lib/threads.js';
import { SPIN_LOADS } from '../shm/park.js';
import type { ChanWorkerData } from '../workers/chan.js';
import { rendezvousCase } from './floors.js';
import { pingPongCase, WAKE_CASES } from './wake.js';

/** A case doing `n` round trips over two fresh unbuffered channels between two fresh workers. */
function chanPingPongCase(o: {
  name: string;
  n: number;
  quickN: number;
  goal: string;
  note: string;
}): BenchCase {
  return {
    ...o,
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const ch = chan<number>(0, { codec: codecs.int32 }) as Channel<unknown>;
        const back = chan<number>(0, { codec: codecs.int32 }) as Channel<unknown>;
        const url = new URL('./workers/chan.js', import.meta.url);
        const data = (role: 'ping' | 'pong') =>
          toShared<ChanWorkerData>({ role, payload: 'int32', api: 'sync', ch, back });
        return timePingPong({
          spawn,
          url,
          n,
          label: (role) => `chan ${role}`,
          data,
          check: (donePing, donePong, trips) => {
            expectEqual('chan ping round trips', donePing.trips, trips);
            expectEqual('chan pong round trips', donePong.trips, trips);
          },
        });
      }),
  };
}

/** The cross-thread unbuffered channel ping-pong suite. */
export function chanPingPongCrossSuite(): BenchSuite {
  return {
    name: 'chan-pingpong-cross',
    title: 'Unbuffered channel ping-pong, worker to worker',
    description:
      'Two workers bounce a counter N times over two unbuffered channels (`chan<number>(0, { codec: ' +
      'codecs.int32 })`, one each way): the pinger does `ch.sendSync(i); back.recvSync()` and checks it ' +
      'got i back, the ponger `back.sendSync(ch.recvSync())`. Microseconds per round trip, timed by the ' +
      "main thread after a warm-up pass of N/10. The raw cases are the wake suite's Atomics.wait/notify " +
      'ping-pong; the baseline is its variant that spins (paused polls) before parking, as gocsp does.',
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
      rendezvousCase(),
      chanPingPongCase({
        name: 'gocsp unbuffered chan ping-pong (sendSync/recvSync)',
        // As many round trips as the raw cases: a 100k pass (10k warm-up) took
        // ~60 ms, too short for the JIT to finish optimizing while both cores spin.
        n: 1_000_000,
        quickN: 1_000,
        goal: '<= 1.5x baseline',
        note: 'two unbuffered channels; each round trip is two rendezvous (send completes when the peer took the value)',
      }),
    ],
  };
}

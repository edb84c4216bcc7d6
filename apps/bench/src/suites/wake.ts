/**
 * Cross-thread wake-up latency: two workers pass a ball through one shared
 * Int32 with Atomics.wait/notify. The floor under every gocsp hand-off that
 * has to wake a parked thread.
 */
import type { BenchCase, BenchSuite } from '../harness.js';
import { withWorkers } from '../lib/threads.js';
import { expectEqual } from '../lib/measure.js';
import { timePingPong } from '../lib/pingpong.js';
import { SPIN_LOADS } from '../shm/park.js';
import { allocPingPong, type PingPongMode, type PingPongWorkerData } from '../shm/pingpong.js';

/** Options of {@link pingPongCase}. */
export interface PingPongCaseOptions {
  readonly name: string;
  readonly mode: PingPongMode;
  readonly n: number;
  readonly quickN?: number;
  readonly baseline?: boolean;
  readonly goal?: string;
  /** Polls before parking in `spin` mode; default {@link SPIN_LOADS}. */
  readonly spins?: number;
  readonly note?: string;
  /** cpuRelax iterations between spinning loads; default 0 (back to back). */
  readonly pause?: number;
}

/**
 * A case doing `n` round trips between a fresh ping worker and pong worker;
 * the figure is microseconds per round trip (one way is about half).
 */
export function pingPongCase(o: PingPongCaseOptions): BenchCase {
  const spins = o.spins ?? SPIN_LOADS;
  return {
    name: o.name,
    n: o.n,
    ...(o.quickN !== undefined && { quickN: o.quickN }),
    ...(o.baseline !== undefined && { baseline: o.baseline }),
    ...(o.goal !== undefined && { goal: o.goal }),
    ...(o.note !== undefined && { note: o.note }),
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const sab = allocPingPong();
        const url = new URL('./workers/pingpong.js', import.meta.url);
        const data = (role: PingPongWorkerData['role']): PingPongWorkerData => ({
          role,
          mode: o.mode,
          sab,
          spins,
          pause: o.pause ?? 0,
        });
        return timePingPong({
          spawn,
          url,
          n,
          label: (role) => `${role} (${o.mode})`,
          data,
          check: (donePing, donePong, trips) => {
            expectEqual('ping SEQ', donePing.seq, 2 * trips);
            expectEqual('pong SEQ', donePong.seq, 2 * trips);
          },
        });
      }),
  };
}

/** Case names of {@link wakeSuite}. */
export const WAKE_CASES = {
  park: 'Atomics.wait/notify ping-pong (park, no spin)',
  spin: 'ping-pong, paused spin then park (flag notify)',
  tightSpin: 'ping-pong, tight spin then park (flag notify)',
} as const;

/** The wake-latency suite. */
export function wakeSuite(): BenchSuite {
  return {
    name: 'wake',
    title: 'Atomics.wait/notify round trip, worker to worker',
    description:
      'Two workers pass a ball N times through one shared Int32 (odd: ponger holds it, even: pinger). ' +
      'Microseconds per round trip, timed by the main thread after a warm-up pass of N/10; one-way ' +
      'latency is about half.',
    metric: { kind: 'latency', unit: 'us', per: 'round trip' },
    cases: [
      pingPongCase({
        name: WAKE_CASES.park,
        mode: 'park',
        n: 6_000,
        quickN: 400,
        baseline: true,
        note: 'the waiter parks at once; the other side always notifies: pure park/wake',
      }),
      pingPongCase({
        name: WAKE_CASES.spin,
        mode: 'spin',
        spins: SPIN_LOADS,
        pause: 100,
        n: 1_000_000,
        quickN: 50_000,
        goal: '<= 0.05x baseline',
        note: `${SPIN_LOADS} polls with cpuRelax(100) (~0.1 us) between them, then flag and park; goal = the premise "spin briefly before parking" (docs/ARCHITECTURE.md)`,
      }),
      pingPongCase({
        name: WAKE_CASES.tightSpin,
        mode: 'spin',
        spins: SPIN_LOADS,
        pause: 0,
        n: 400_000,
        quickN: 50_000,
        note: `${SPIN_LOADS} polls back to back, then flag and park: the spin window is short enough that some round trips still park`,
      }),
    ],
  };
}

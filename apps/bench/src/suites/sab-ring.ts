/**
 * SPSC SharedArrayBuffer ring of Int32 between two workers: the physical
 * ceiling for a gocsp channel. "raw SAB ring (flag notify)" is the figure
 * later channel benchmarks are divided by.
 */
import type { BenchCase, BenchSuite } from '../harness.js';
import { withWorkers } from '../lib/threads.js';
import { expectEqual, perSecond, sumOfRange, warmupSize } from '../lib/measure.js';
import { SPIN_LOADS } from '../shm/park.js';
import { allocRing, CAPACITY, type RingMode, type RingWorkerData } from '../shm/ring.js';

/** Options of {@link sabRingCase}. */
export interface SabRingCaseOptions {
  readonly name: string;
  readonly mode: RingMode;
  readonly n: number;
  readonly quickN?: number;
  readonly baseline?: boolean;
  readonly goal?: string;
  /** Polls before parking on an empty/full ring; default {@link SPIN_LOADS}. */
  readonly spins?: number;
  readonly note?: string;
  /** cpuRelax iterations between spinning loads; default 0 (back to back). */
  readonly pause?: number;
}

/**
 * The raw ring with flag notify (publish every value, notify only a sleeping
 * peer, RING_SPIN polls before parking), 6M values: the sab-ring suite's
 * baseline, which chan-stream and chan-stream-pm measure again beside the
 * channel. `note` says what it stands for in the suite at hand.
 */
export function flagRingCase(note: string, baseline = false): BenchCase {
  return sabRingCase({
    name: SAB_RING_CASES.flag,
    mode: 'flag',
    ...RING_SPIN,
    n: 6_000_000,
    quickN: 300_000,
    ...(baseline && { baseline }),
    note,
  });
}

/**
 * A case moving `n` Int32 values through a fresh ring from a producer worker
 * to a consumer worker; the main thread only starts them and times from the
 * `run` command to both `done` replies. The consumer's checksum is verified.
 */
export function sabRingCase(o: SabRingCaseOptions): BenchCase {
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
        const sab = allocRing();
        const url = new URL('./workers/ring.js', import.meta.url);
        const data = (role: RingWorkerData['role']): RingWorkerData => ({
          role,
          mode: o.mode,
          sab,
          spins,
          pause: o.pause ?? 0,
        });
        const [consumer, producer] = await Promise.all([
          spawn(url, `ring consumer (${o.mode})`, data('consumer')),
          spawn(url, `ring producer (${o.mode})`, data('producer')),
        ]);
        let moved = 0;
        const pass = async (count: number): Promise<number> => {
          const t0 = performance.now();
          consumer.post({ type: 'run', n: count });
          producer.post({ type: 'run', n: count });
          const [done] = await Promise.all([consumer.next('done'), producer.next('done')]);
          const ms = performance.now() - t0;
          expectEqual('ring consumer checksum', done.sum, sumOfRange(moved, count));
          moved += count;
          return ms;
        };
        await pass(warmupSize(n));
        return perSecond(n, await pass(n));
      }),
  };
}

/** Case names of {@link sabRingSuite}; `flag` is the baseline later suites compare to. */
export const SAB_RING_CASES = {
  flag: 'raw SAB ring (flag notify)',
  perMessage: 'raw SAB ring (notify per message)',
  perMessageBoth: 'raw SAB ring (notify per message, both ways)',
  batch64: 'raw SAB ring (flag notify, publish per 64)',
  tightSpin: 'raw SAB ring (flag notify, tight spin)',
} as const;

/**
 * Spinning of the ring cases on an empty or full ring: 100 polls with
 * cpuRelax(400) (~0.3 us) between them, ~35 us in all, then park.
 */
export const RING_SPIN = { spins: 100, pause: 400 } as const;

/** The SPSC SharedArrayBuffer ring suite. */
export function sabRingSuite(): BenchSuite {
  return {
    name: 'sab-ring',
    title: 'SPSC SharedArrayBuffer ring of Int32, worker to worker',
    description:
      `A producer worker writes N consecutive Int32 values into a ${CAPACITY}-slot ring, a consumer worker ` +
      `reads and sums them (checked). On an empty/full ring a side polls the peer's index ${RING_SPIN.spins} ` +
      `times with a pause of ${RING_SPIN.pause} loop iterations (~0.3 us) between polls, then sets its ` +
      'sleeping flag and parks in Atomics.wait. The main thread only starts the pass and times it ' +
      '(warm-up pass of N/10 first). The variants differ in when a side publishes its index and calls ' +
      'Atomics.notify, and (last case) in how it polls.',
    metric: { kind: 'rate', unit: 'msg/s' },
    cases: [
      flagRingCase(
        'publish every value; Atomics.notify only when the peer has set its sleeping flag',
        true,
      ),
      sabRingCase({
        name: SAB_RING_CASES.perMessage,
        mode: 'per-message',
        ...RING_SPIN,
        n: 1_500_000,
        quickN: 100_000,
        goal: '<= 0.5x baseline',
        note: 'the producer calls Atomics.notify on every value (room is signalled by flag as in the baseline); goal = the premise "never notify per message" (docs/ARCHITECTURE.md)',
      }),
      sabRingCase({
        name: SAB_RING_CASES.perMessageBoth,
        mode: 'per-message-both',
        ...RING_SPIN,
        n: 1_000_000,
        quickN: 100_000,
        goal: '<= 0.5x baseline',
        note: 'both sides call Atomics.notify on every value',
      }),
      sabRingCase({
        name: SAB_RING_CASES.batch64,
        mode: 'batch64',
        ...RING_SPIN,
        n: 20_000_000,
        quickN: 1_000_000,
        goal: '>= 2x baseline',
        note: 'publish every 64 values (and before parking); notify only a sleeping peer; goal = the premise "batch where the API allows" (docs/ARCHITECTURE.md)',
      }),
      sabRingCase({
        name: SAB_RING_CASES.tightSpin,
        mode: 'flag',
        spins: 1000,
        pause: 0,
        n: 1_500_000,
        quickN: 100_000,
        note: 'as the baseline, but polling back to back (1000 polls, no pause) before parking',
      }),
    ],
  };
}

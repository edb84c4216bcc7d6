/**
 * Cross-thread streaming through a gocsp channel, worker to worker, against
 * the raw SPSC SharedArrayBuffer ring (the baseline) and postMessage. Also
 * home of {@link chanStreamCase}, reused by chan-stream-pm and chan-objects.
 */
import { chan, codecs, toShared, type Channel } from '@gocsp/channels';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, perSecond, sumOfRange, warmupSize } from '../lib/measure.js';
import { withWorkers } from '../lib/threads.js';
import type { ChanPayload, ChanWorkerData } from '../workers/chan.js';
import { POSTMESSAGE_CASES, postMessageCase } from './postmessage.js';
import { mpmcRingCase } from './floors.js';
import { RING_SPIN, flagRingCase } from './sab-ring.js';

/** Capacity of the streamed channel, the same as the raw ring's. */
export const STREAM_CAPACITY = 1024;

/** Options of {@link chanStreamCase}. */
export interface ChanStreamCaseOptions {
  readonly name: string;
  readonly payload: ChanPayload;
  readonly api: ChanWorkerData['api'];
  readonly n: number;
  readonly quickN?: number;
  readonly baseline?: boolean;
  readonly goal?: string;
  readonly note?: string;
}

/**
 * A case streaming `n` values from a producer worker to a consumer worker
 * through a fresh `chan(1024)` (int32 codec for numbers, the default codec for
 * objects). The main thread times from the `run` commands to both replies
 * and checks the consumer's sum of the values (ids) and that the channel is
 * empty afterwards.
 */
export function chanStreamCase(o: ChanStreamCaseOptions): BenchCase {
  return {
    name: o.name,
    n: o.n,
    ...(o.quickN !== undefined && { quickN: o.quickN }),
    ...(o.baseline !== undefined && { baseline: o.baseline }),
    ...(o.goal !== undefined && { goal: o.goal }),
    ...(o.note !== undefined && { note: o.note }),
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const ch: Channel<unknown> =
          o.payload === 'int32'
            ? chan<number>(STREAM_CAPACITY, { codec: codecs.int32 })
            : chan<unknown>(STREAM_CAPACITY);
        const url = new URL('./workers/chan.js', import.meta.url);
        const data = (role: 'producer' | 'consumer') =>
          toShared<ChanWorkerData>({ role, payload: o.payload, api: o.api, ch });
        const [consumer, producer] = await Promise.all([
          spawn(url, `chan consumer (${o.payload}, ${o.api})`, data('consumer')),
          spawn(url, `chan producer (${o.payload}, ${o.api})`, data('producer')),
        ]);
        let moved = 0;
        const pass = async (count: number): Promise<number> => {
          const t0 = performance.now();
          consumer.post({ type: 'run', n: count });
          producer.post({ type: 'run', n: count });
          const [done] = await Promise.all([consumer.next('done'), producer.next('done')]);
          const ms = performance.now() - t0;
          expectEqual('chan consumer sum', done.sum, sumOfRange(moved, count));
          moved += count;
          expectEqual('values left in the channel after the pass', ch.len, 0);
          return ms;
        };
        await pass(warmupSize(n));
        return perSecond(n, await pass(n));
      }),
  };
}

/** Case names of {@link chanStreamSuite}. */
export const CHAN_STREAM_CASES = {
  sync: 'gocsp chan<int32>(1024) sendSync/recvSync',
  async: 'gocsp chan<int32>(1024) await send/recv',
  batch: 'gocsp chan<int32>(1024) sendManySync/recvManySync (64 a call)',
} as const;

/** The int32 stream case with the blocking API, shared with chan-stream-pm. */
export function chanStreamSyncCase(goal: string): BenchCase {
  return chanStreamCase({
    name: CHAN_STREAM_CASES.sync,
    payload: 'int32',
    api: 'sync',
    n: 2_000_000,
    quickN: 20_000,
    goal,
    note: 'producer worker ch.sendSync(i), consumer worker ch.recvSync(); chan<number>(1024, { codec: codecs.int32 })',
  });
}

/** The cross-thread int32 channel stream suite (baseline: the raw ring). */
export function chanStreamSuite(): BenchSuite {
  return {
    name: 'chan-stream',
    title: 'Channel stream of int32, worker to worker, vs the raw SAB ring',
    description:
      `A producer worker sends N consecutive numbers through a ${STREAM_CAPACITY}-slot gocsp channel ` +
      '(`chan<number>(1024, { codec: codecs.int32 })`) to a consumer worker, which sums them (checked, and ' +
      'the channel must be empty afterwards). The main thread only starts the pass and times it, after a ' +
      "warm-up pass of N/10. The baseline is the sab-ring suite's raw SPSC ring with flag notify (the " +
      'same 1024 slots, worker to worker), the ceiling for any shared-memory channel; postMessage of ' +
      'numbers (main thread to a worker) is shown for scale, and its goal (>= 15x) is checked in ' +
      'chan-stream-pm, where postMessage is the baseline.',
    metric: { kind: 'rate', unit: 'msg/s' },
    cases: [
      flagRingCase(
        `raw ring: publish every value, notify only a sleeping peer; ${RING_SPIN.spins} paused polls before parking`,
        true,
      ),
      mpmcRingCase(),
      chanStreamSyncCase('>= 0.5x baseline'),
      chanStreamCase({
        name: CHAN_STREAM_CASES.async,
        payload: 'int32',
        api: 'async',
        n: 1_000_000,
        quickN: 10_000,
        note: 'the same stream with `await ch.send(i)` / `await ch.recv()` on both workers (no goal set)',
      }),
      chanStreamCase({
        name: CHAN_STREAM_CASES.batch,
        payload: 'int32',
        api: 'batch',
        n: 2_000_000,
        quickN: 100_000,
        note: 'the same stream in batches: producer ch.sendManySync(64 values), consumer ch.recvManySync(64); one release per run of values (no goal set: compare the raw ring publishing per 64 in sab-ring)',
      }),
      postMessageCase({
        name: POSTMESSAGE_CASES.numbers,
        payload: 'number',
        n: 400_000,
        quickN: 20_000,
      }),
    ],
  };
}

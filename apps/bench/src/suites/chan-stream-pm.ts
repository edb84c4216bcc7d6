/**
 * The channel int32 stream against postMessage of numbers, as the baseline:
 * the harness checks a goal against its suite's baseline only, so the goal
 * ">= 15x postMessage" needs a suite where postMessage is the baseline.
 */
import type { BenchSuite } from '../harness.js';
import { chanStreamSyncCase } from './chan-stream.js';
import { mpmcRingCase } from './floors.js';
import { POSTMESSAGE_CASES, postMessageCase } from './postmessage.js';
import { RING_SPIN, flagRingCase } from './sab-ring.js';

/** The channel stream vs postMessage suite. */
export function chanStreamPmSuite(): BenchSuite {
  return {
    name: 'chan-stream-pm',
    title: 'Channel stream of int32 vs postMessage of numbers',
    description:
      'The blocking int32 stream of chan-stream (producer worker to consumer worker through a 1024-slot ' +
      'channel, sum checked) measured again beside postMessage of numbers (main thread to one worker, ' +
      'as in the postmessage suite), which is the baseline here so that the goal against it is checked. ' +
      'The two raw rings of chan-stream (SPSC, and MPMC: the least a channel with several senders and ' +
      'receivers does per value) run beside it, for where a per-value stream tops out against postMessage here.',
    metric: { kind: 'rate', unit: 'msg/s' },
    cases: [
      postMessageCase({
        name: POSTMESSAGE_CASES.numbers,
        payload: 'number',
        n: 400_000,
        quickN: 20_000,
        baseline: true,
      }),
      chanStreamSyncCase('>= 15x baseline'),
      flagRingCase(
        `reference: chan-stream's baseline (raw SPSC ring, one producer and one consumer only); ${RING_SPIN.spins} paused polls before parking`,
      ),
      mpmcRingCase(),
    ],
  };
}

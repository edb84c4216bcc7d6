/**
 * The channel int32 stream against postMessage of numbers, as the baseline:
 * the harness checks a goal against its suite's baseline only, so the goal
 * ">= 15x postMessage" needs a suite where postMessage is the baseline.
 */
import type { BenchSuite } from '../harness.js';
import { chanStreamSyncCase } from './chan-stream.js';
import { POSTMESSAGE_CASES, postMessageCase } from './postmessage.js';

/** The channel stream vs postMessage suite. */
export function chanStreamPmSuite(): BenchSuite {
  return {
    name: 'chan-stream-pm',
    title: 'Channel stream of int32 vs postMessage of numbers',
    description:
      'The blocking int32 stream of chan-stream (producer worker to consumer worker through a 1024-slot ' +
      'channel, sum checked) measured again beside postMessage of numbers (main thread to one worker, ' +
      'as in the postmessage suite), which is the baseline here so that the goal against it is checked.',
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
    ],
  };
}

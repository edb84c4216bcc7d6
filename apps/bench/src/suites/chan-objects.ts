/**
 * Cross-thread stream of small objects through a gocsp channel with the
 * default codec, against postMessage of the same objects.
 */
import type { BenchSuite } from '../harness.js';
import { chanStreamCase, STREAM_CAPACITY } from './chan-stream.js';
import { POSTMESSAGE_CASES, postMessageCase } from './postmessage.js';

/** The small-object channel stream suite. */
export function chanObjectsSuite(): BenchSuite {
  return {
    name: 'chan-objects',
    title: 'Channel stream of small objects, worker to worker, vs postMessage',
    description:
      `A producer worker sends N objects \`{ id, payload }\` (payload: a 100-character string) through a ` +
      `${STREAM_CAPACITY}-slot channel with the default codec (\`chan(${STREAM_CAPACITY})\`) to a consumer ` +
      'worker, which checks each payload and sums the ids (checked). The baseline posts the same objects ' +
      "from the main thread to a worker (the postmessage suite's case). Messages per second, the main " +
      'thread timing each pass after a warm-up pass of N/10.',
    metric: { kind: 'rate', unit: 'msg/s' },
    cases: [
      postMessageCase({
        name: POSTMESSAGE_CASES.objects,
        payload: 'object',
        n: 200_000,
        quickN: 10_000,
        baseline: true,
      }),
      chanStreamCase({
        name: 'gocsp chan(1024) default codec, sendSync/recvSync',
        payload: 'object',
        api: 'sync',
        n: 500_000,
        quickN: 5_000,
        goal: '>= 3x baseline',
        note: 'producer worker ch.sendSync({ id, payload }), consumer worker ch.recvSync(); codecs.structured (the default)',
      }),
    ],
  };
}

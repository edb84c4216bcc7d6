/**
 * postMessage throughput, main thread -> one worker: the figure every
 * message-passing design in gocsp must beat by going through shared memory.
 */
import type { BenchCase, BenchSuite } from '../harness.js';
import { withWorkers } from '../lib/threads.js';
import { expectEqual, perSecond, sumOfRange, warmupSize } from '../lib/measure.js';

/** What each message carries. */
export type PostMessagePayload = 'number' | 'object';

/** Options of {@link postMessageCase}. */
export interface PostMessageCaseOptions {
  readonly name: string;
  readonly payload: PostMessagePayload;
  readonly n: number;
  readonly quickN?: number;
  readonly baseline?: boolean;
  readonly goal?: string;
}

/** A 100-character string, the payload of the small-object case. */
export const PAYLOAD_100 = 'x'.repeat(100);

/**
 * A case posting `n` messages from the main thread to a fresh worker, which
 * counts them and replies after the last; the figure is messages per second
 * from the first post to the reply. `payload` `number` posts `i`; `object`
 * posts `{ id: i, payload: <100-char string> }`.
 */
export function postMessageCase(o: PostMessageCaseOptions): BenchCase {
  const make: (i: number) => unknown =
    o.payload === 'number' ? (i) => i : (i) => ({ id: i, payload: PAYLOAD_100 });
  return {
    name: o.name,
    n: o.n,
    ...(o.quickN !== undefined && { quickN: o.quickN }),
    ...(o.baseline !== undefined && { baseline: o.baseline }),
    ...(o.goal !== undefined && { goal: o.goal }),
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const sink = await spawn(new URL('./workers/pm-sink.js', import.meta.url), 'pm-sink');
        const pass = async (count: number): Promise<number> => {
          const t0 = performance.now();
          sink.post({ type: 'expect', n: count });
          for (let i = 0; i < count; i++) sink.post(make(i));
          const done = await sink.next('done');
          const ms = performance.now() - t0;
          expectEqual('pm-sink sum', done.sum, sumOfRange(0, count));
          return ms;
        };
        await pass(warmupSize(n));
        return perSecond(n, await pass(n));
      }),
  };
}

/** Case names of {@link postMessageSuite}, for suites that reuse them as baselines. */
export const POSTMESSAGE_CASES = {
  numbers: 'postMessage numbers',
  objects: 'postMessage small objects {id, payload}',
} as const;

/** The postMessage throughput suite. */
export function postMessageSuite(): BenchSuite {
  return {
    name: 'postmessage',
    title: 'postMessage throughput, main thread to one worker',
    description:
      'The main thread posts N messages to a worker in a loop; the worker counts them and replies ' +
      'after the last. Timed from the first post to the reply, after an untimed warm-up pass of N/10 ' +
      'on the same worker. Small objects are `{ id, payload }` with a 100-character string.',
    metric: { kind: 'rate', unit: 'msg/s' },
    cases: [
      postMessageCase({
        name: POSTMESSAGE_CASES.numbers,
        payload: 'number',
        n: 400_000,
        quickN: 20_000,
        baseline: true,
      }),
      postMessageCase({
        name: POSTMESSAGE_CASES.objects,
        payload: 'object',
        n: 200_000,
        quickN: 10_000,
      }),
    ],
  };
}

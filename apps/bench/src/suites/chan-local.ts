/**
 * Same-thread buffered channels on the main thread: a producer and a consumer
 * async function streaming N integers through a buffer of 1024, against
 * @thi.ng/csp's channel; and select over 4 ready channels (report only).
 */
import { channel as thingChannel } from '@thi.ng/csp';
import { chan, codecs, onRecv, select, toShared, type Channel } from '@gocsp/channels';
import { withWorkers } from '../lib/threads.js';
import type { SelectFeedData } from '../workers/select-feed.js';
import type { BenchCase, BenchSuite } from '../harness.js';
import { expectEqual, warmupSize } from '../lib/measure.js';

/** A buffered pipe: `send` may wait for room, `recv` for a value. */
interface Buffered {
  send(v: number): Promise<unknown>;
  recv(): Promise<number | undefined>;
}

/** Streams `count` values through `p` (producer and consumer concurrently); ms. */
async function stream(p: Buffered, from: number, count: number, name: string): Promise<number> {
  const t0 = performance.now();
  const producer = (async () => {
    for (let i = 0; i < count; i++) await p.send(from + i);
  })();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += (await p.recv())!;
  await producer;
  const ms = performance.now() - t0;
  expectEqual(`${name}: sum`, sum, count * from + (count * (count - 1)) / 2);
  return ms;
}

function bufferedCase(
  name: string,
  make: () => Buffered,
  extra: Pick<BenchCase, 'n' | 'quickN' | 'baseline' | 'goal' | 'note'>,
): BenchCase {
  return {
    name,
    ...extra,
    run: async ({ n, signal }) => {
      const p = make();
      await stream(p, 0, warmupSize(n), name);
      signal.throwIfAborted();
      const ms = await stream(p, 0, n, name);
      return (n / ms) * 1000;
    },
  };
}

/** Same-thread buffered stream: gocsp against @thi.ng/csp. */
export function chanLocalSuite(): BenchSuite {
  return {
    name: 'chan-local',
    title: 'Buffered channel, producer and consumer on one thread (main)',
    description:
      'A producer async function sends N integers into a channel with a buffer of 1024 while a consumer ' +
      'async function on the same thread receives and sums them (checked). Baseline: @thi.ng/csp, a ' +
      'same-thread CSP library (`channel(1024)`, `await write` / `await read`; its write resolves when the ' +
      'value is delivered). Send+recv pairs per second, after a warm-up of N/10. Goal from the channels ' +
      'issue: at least the peer, and at least 5M pairs/s.',
    metric: { kind: 'rate', unit: 'ops/s', per: 'send+recv pair' },
    cases: [
      bufferedCase(
        '@thi.ng/csp channel(1024)',
        () => {
          const c = thingChannel<number>(1024);
          return { send: (v) => c.write(v), recv: () => c.read() };
        },
        {
          n: 1_000_000,
          quickN: 50_000,
          baseline: true,
          note: 'same-thread only: JS arrays and promises',
        },
      ),
      bufferedCase(
        'gocsp chan<int32>(1024)',
        () => {
          const c = chan<number>(1024, { codec: codecs.int32 });
          return { send: (v) => c.send(v), recv: () => c.recv() };
        },
        {
          n: 1_000_000,
          quickN: 50_000,
          goal: '>= 1x baseline',
          note: 'shared memory even on one thread; goal also >= 5M pairs/s',
        },
      ),
      bufferedCase(
        'gocsp chan(1024), default codec',
        () => {
          const c = chan<number>(1024);
          return { send: (v) => c.send(v), recv: () => c.recv() };
        },
        { n: 1_000_000, quickN: 50_000, goal: '>= 5000000 ops/s' },
      ),
    ],
  };
}

/** Select over 4 channels that always have a value ready; selects per second. */
function selectCase(
  name: string,
  k: number,
  extra: Pick<BenchCase, 'n' | 'quickN' | 'baseline' | 'note'>,
): BenchCase {
  return {
    name,
    ...extra,
    run: async ({ n, signal }) => {
      const chans: Channel<number>[] = [];
      for (let i = 0; i < k; i++) chans.push(chan<number>(1024, { codec: codecs.int32 }));
      const once = async (count: number): Promise<number> => {
        const t0 = performance.now();
        let got = 0;
        for (let i = 0; i < count; i += 512) {
          const batch = Math.min(512, count - i);
          for (let j = 0; j < batch; j++) chans[j % k]!.trySend(j);
          for (let j = 0; j < batch; j++) {
            got += await select(chans.map((c) => onRecv(c, () => 1)));
          }
        }
        expectEqual(`${name}: values received`, got, count);
        return performance.now() - t0;
      };
      await once(warmupSize(n));
      signal.throwIfAborted();
      return (n / (await once(n))) * 1000;
    },
  };
}

/**
 * Select across threads: two feeder workers send into 4 channels (2 each,
 * sendSync, round robin); the main thread takes every value with a select over
 * all 4 and counts them (checked).
 */
function selectCrossCase(name: string, extra: Pick<BenchCase, 'n' | 'quickN' | 'note'>): BenchCase {
  return {
    name,
    ...extra,
    run: ({ n, signal }) =>
      withWorkers(signal, async (spawn) => {
        const chans = [0, 1, 2, 3].map(() => chan<number>(256, { codec: codecs.int32 }));
        const url = new URL('./workers/select-feed.js', import.meta.url);
        const data = (k: number): SelectFeedData => ({ chans: chans.slice(2 * k, 2 * k + 2) });
        const feeders = await Promise.all(
          [0, 1].map((k) => spawn(url, `select feeder ${k}`, toShared(data(k)))),
        );
        const pass = async (count: number): Promise<number> => {
          const half = Math.floor(count / 2);
          const t0 = performance.now();
          for (const f of feeders) f.post({ type: 'run', n: half });
          let got = 0;
          const cases = chans.map((c) => onRecv(c, () => 1));
          for (let i = 0; i < 2 * half; i++) got += await select(cases);
          await Promise.all(feeders.map((f) => f.next('done')));
          expectEqual(`${name}: values received`, got, 2 * half);
          return performance.now() - t0;
        };
        await pass(warmupSize(n));
        return (n / (await pass(n))) * 1000;
      }),
  };
}

/** Select cost, same thread (report only). */
export function selectLocalSuite(): BenchSuite {
  return {
    name: 'select-local',
    title: 'select over ready channels, on one thread and fed from other threads',
    description:
      'Same thread: values are put into the channels with trySend in batches of 512, then taken with one select per ' +
      'value over all the channels (always ready; the pick is random). Selects per second, including ' +
      'the trySend. Across threads: two workers feed the 4 channels while the main thread selects. Report ' +
      'only; the baseline is select over one channel.',
    metric: { kind: 'rate', unit: 'ops/s', per: 'select' },
    cases: [
      selectCase('select over 1 channel', 1, { n: 300_000, quickN: 20_000, baseline: true }),
      selectCase('select over 4 channels', 4, { n: 300_000, quickN: 20_000 }),
      selectCrossCase('select over 4 channels fed by 2 worker threads', {
        n: 100_000,
        quickN: 10_000,
        note: 'main thread selects; two workers sendSync into 2 channels each',
      }),
    ],
  };
}
